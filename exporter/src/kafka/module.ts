import type { DaemonExtension, DaemonModule } from '../daemon/extension';
import { createCollectorClient } from '../kafka-client/client';
import { KafkaMetrics } from './metrics';
import { KAFKA_OPTIONS, toKafkaConfig, type KafkaConfig } from './options';
import { KafkaPoller } from './poller';
import { describeMetadataPatch, installTolerantMetadata, type MetadataPatchStatus } from './tolerant-metadata';

/**
 * The Kafka collector as a daemon module: `--kafka.server` enables it. The poller runs in the background
 * (the documented exception to scrape-time collection: shrink/expand/leader-change events between
 * scrapes must be counted); the scrape-time collector only publishes the latest rendered snapshot.
 */
export function createKafkaExtension(config: KafkaConfig): DaemonExtension & { metrics(): KafkaMetrics | undefined } {
  let metrics: KafkaMetrics | undefined;
  let poller: KafkaPoller | undefined;
  return {
    name: 'kafka',
    async start({ registry, logger }) {
      metrics = new KafkaMetrics(registry, Date.now, config.constantLabels);
      reportMetadataPatch(installTolerantMetadata(), metrics, logger);
      const timeoutMs = Math.round(Math.min(30, Math.max(2, config.metadataIntervalSeconds * 2)) * 1000);
      const kafka = createCollectorClient(config, logger, timeoutMs);
      poller = new KafkaPoller(kafka, config, metrics, logger);
      poller.start();
      logger.info({ brokers: config.brokers.join(','), interval: config.metadataIntervalSeconds }, 'kafka collector started');
    },
    async stop() {
      await poller?.stop();
      poller = undefined;
    },
    collector: {
      name: 'kafka',
      async update() {
        await poller?.refreshOffsets(config.offsetsScrapeWaitSeconds * 1000);
        metrics?.publish();
      },
    },
    exposition() {
      return metrics?.exposition() ?? { plain: Buffer.alloc(0) };
    },
    describe() {
      const snapshot = metrics?.latest();
      if (!snapshot || snapshot.takenAt === 0) return `kafka: ${config.brokers.join(',')}, no metadata yet`;
      const age = Math.round((Date.now() - snapshot.takenAt) / 1000);
      const partitions = snapshot.topics.reduce((n, t) => n + t.partitions.length, 0);
      return `kafka: ${snapshot.brokers.length} brokers, ${snapshot.topics.length} topics, ${partitions} partitions, last poll ${age}s ago`;
    },
    metrics: () => metrics,
  };
}

/** The start-up check that kafkajs was patched: one log line (error when it was not) and the metric. */
export function reportMetadataPatch(
  status: MetadataPatchStatus,
  metrics: KafkaMetrics,
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void },
): void {
  metrics.onMetadataPatch(status.ok, status.kafkajsVersion);
  if (status.ok) logger.info({ kafkajs: status.kafkajsVersion }, describeMetadataPatch(status));
  else logger.error({ kafkajs: status.kafkajsVersion, patched: status.patched.join(',') }, describeMetadataPatch(status));
}

export const KAFKA_MODULE: DaemonModule = {
  name: 'kafka',
  options: KAFKA_OPTIONS,
  create(values) {
    const config = toKafkaConfig(values);
    return config ? createKafkaExtension(config) : undefined;
  },
};
