import { defineModule, type DaemonExtension, type DaemonModule } from '../daemon/extension';
import type { KafkaProbe } from './probe';
import type { KafkaMetrics } from './metrics';
import { KAFKA_SCHEMA, toKafkaConfig, type KafkaConfig } from './options';
import type { KafkaPoller } from './poller';
import type { ReporterLease } from './reporter-lease';
import { describeMetadataPatch, installTolerantMetadata, type MetadataPatchStatus } from './tolerant-metadata';

/**
 * The Kafka collector as a daemon module: `--kafka.server` enables it. The poller runs in the background
 * (the documented exception to scrape-time collection: shrink/expand/leader-change events between
 * scrapes must be counted); the scrape-time collector only publishes the latest rendered snapshot.
 */
export function createKafkaExtension(config: KafkaConfig): DaemonExtension & { metrics(): KafkaMetrics | undefined } {
  let metrics: KafkaMetrics | undefined;
  let poller: KafkaPoller | undefined;
  let lease: ReporterLease | undefined;
  let probe: KafkaProbe | undefined;
  return {
    name: 'kafka',
    async start({ registry, logger }) {
      // Loaded here, not at the top: kafkajs and the poller cost ~10 MB of RSS a Pi without --kafka.server does not pay.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { createCollectorClient, createLeaseClient, createProbeClient, createProbeConsumerClient } = require('../kafka-client/client') as typeof import('../kafka-client/client');
      const { KafkaMetrics } = require('./metrics') as typeof import('./metrics');
      const { KafkaPoller } = require('./poller') as typeof import('./poller');
      const { KafkaProbe } = require('./probe') as typeof import('./probe');
      const { ReporterLease } = require('./reporter-lease') as typeof import('./reporter-lease');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const m = new KafkaMetrics(registry, Date.now, { constant: config.constantLabels, cluster: config.cluster });
      metrics = m;
      reportMetadataPatch(installTolerantMetadata(), m, logger);
      const timeoutMs = Math.round(Math.min(30, Math.max(2, config.metadataIntervalSeconds * 2)) * 1000);
      const kafka = createCollectorClient(config, logger, timeoutMs);
      poller = new KafkaPoller(kafka, config, m, logger);
      const { reporter } = config;
      if (reporter.mode === 'lease') {
        m.setReporting(false);
        lease = new ReporterLease(
          createLeaseClient(config, logger),
          { topic: reporter.topic, groupId: reporter.groupId, sessionTimeoutMs: reporter.sessionTimeoutSeconds * 1000 },
          logger,
          { onChange: (holding) => m.setReporting(holding), onFailure: (step) => m.onError('lease', step) },
          () => m.seesCluster(),
        );
        lease.start();
      }
      poller.start();
      if (config.probe) {
        probe = new KafkaProbe(
          createProbeClient(config, logger, config.probe.timeoutSeconds * 1000),
          config.probe,
          registry,
          logger,
          Date.now,
          createProbeConsumerClient(config, logger),
        );
        probe.start();
      }
      logger.info(
        { brokers: config.brokers.join(','), interval: config.metadataIntervalSeconds, reporter: reporter.mode === 'lease' ? `lease ${reporter.groupId}/${reporter.topic}` : 'always' },
        'kafka collector started',
      );
    },
    async stop() {
      // The lease first: leaving the group hands reporting to another exporter at once.
      await lease?.stop();
      lease = undefined;
      await probe?.stop();
      probe = undefined;
      await poller?.stop();
      poller = undefined;
    },
    collector: {
      name: 'kafka',
      async update() {
        // Only the reporter pays for fresh offsets at scrape time; the others keep them warm in the background.
        if (metrics?.isReporting()) await poller?.refreshOffsets(config.offsetsScrapeWaitSeconds * 1000);
        metrics?.publish();
      },
    },
    exposition() {
      return metrics?.exposition() ?? { plain: Buffer.alloc(0), generation: 0 };
    },
    describe() {
      const snapshot = metrics?.latest();
      if (!snapshot || snapshot.takenAt === 0) return `kafka: ${config.brokers.join(',')}, no metadata yet`;
      const age = Math.round((Date.now() - snapshot.takenAt) / 1000);
      const partitions = snapshot.topics.reduce((n, t) => n + t.partitions.length, 0);
      const role = metrics?.isReporting() ? 'reporting' : 'not reporting (another exporter holds the lease)';
      return `kafka: ${snapshot.brokers.length} brokers, ${snapshot.topics.length} topics, ${partitions} partitions, last poll ${age}s ago, ${role}`;
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

export const KAFKA_MODULE: DaemonModule = defineModule({
  name: 'kafka',
  schema: KAFKA_SCHEMA,
  create(values) {
    const config = toKafkaConfig(values);
    return config ? createKafkaExtension(config) : undefined;
  },
});
