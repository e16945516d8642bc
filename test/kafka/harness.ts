import type { FastifyInstance } from 'fastify';
import { testExporterConfig } from '../support/exporter-config';
import { parseMetricsText } from '../support/metrics-text';
import { createExporter } from '../../exporter/src/http/server';
import { createKafkaExtension } from '../../exporter/src/kafka/module';
import type { KafkaConfig } from '../../exporter/src/kafka/options';

/**
 * The real exporter (fastify app + Kafka module, kafkajs over TCP) against a mock cluster or the metadata
 * proxy, for the over-the-wire scenarios. It listens on 127.0.0.1:0 and /metrics is fetched over HTTP.
 */
export interface KafkaHarness {
  app: FastifyInstance;
  /** The exporter's /metrics URL. */
  metricsUrl: string;
  /** GET /metrics -> series ("name{labels}") -> value. */
  scrape(): Promise<Map<string, number>>;
  /** GET /metrics raw text and how long it took (ms). */
  scrapeText(): Promise<{ text: string; ms: number }>;
  /** Resolves once two metadata snapshots taken after the call exist (so one poll started after it). */
  nextMetadata(timeoutMs?: number): Promise<void>;
  /** Same for the offsets/groups poll. */
  nextOffsets(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A collector config for the harness: fast polls, and kafka_exporter's shape (no cluster label, this exporter
 * always reports) so the scenarios read the families as kafka_exporter names them. The lease and the cluster
 * label are tested with the real daemon in reporter.test.ts.
 */
export function kafkaConfig(brokers: string[], overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  return {
    brokers,
    cluster: '',
    reporter: { mode: 'always' },
    metadataIntervalSeconds: 0.15,
    offsetsIntervalSeconds: 0.3,
    offsetsScrapeWaitSeconds: 1,
    constantLabels: [],
    minIsrDefault: 1,
    maxPartitions: 0,
    topicFilter: /.*/,
    groupFilter: /.*/,
    ...overrides,
  };
}

async function waitFor(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startKafkaHarness(config: KafkaConfig): Promise<KafkaHarness> {
  const extension = createKafkaExtension(config);
  const app = createExporter(testExporterConfig({ logFormat: 'logfmt' }), [extension], false);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const metrics = (): NonNullable<ReturnType<typeof extension.metrics>> => {
    const m = extension.metrics();
    if (!m) throw new Error('kafka extension not started');
    return m;
  };
  const scrapeText = async (): Promise<{ text: string; ms: number }> => {
    const started = process.hrtime.bigint();
    const response = await fetch(`${url}/metrics`);
    const text = await response.text();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    return { text, ms };
  };
  const waitNewer = async (what: string, takenAt: () => number, timeoutMs: number): Promise<void> => {
    const since = Date.now();
    const seen = new Set<number>();
    await waitFor(what, timeoutMs, () => {
      const t = takenAt();
      if (t > since) seen.add(t);
      return seen.size >= 2;
    });
  };
  return {
    app,
    metricsUrl: `${url}/metrics`,
    scrapeText,
    scrape: async () => parseMetricsText((await scrapeText()).text),
    nextMetadata: (timeoutMs = 10_000) => waitNewer('the next metadata poll', () => metrics().latest().takenAt, timeoutMs),
    nextOffsets: (timeoutMs = 10_000) => waitNewer('the next offsets poll', () => metrics().latestOffsets().takenAt, timeoutMs),
    close: () => app.close(),
  };
}
