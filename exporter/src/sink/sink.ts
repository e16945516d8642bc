import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { errorMessage } from '../errors';
import type { Backend, ErrorReason } from '../load/backends/backend';
import { parseReading, type Reading } from '../load/reading';
import type { SinkConfig } from './options';

/**
 * The lab's "Kafka, then a database" step: readings consumed from a topic are written to MySQL or
 * Cassandra, exactly once in effect. Writes are idempotent on (producer, seq) — MySQL's sink table has it as
 * its primary key, Cassandra's key ends with it — and a batch's offsets are committed only after its rows
 * are written, so a restart or a rebalance delivers again what was not committed and writes the same rows.
 */

export interface SinkLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Sink write latencies: 1 ms .. 30 s. */
const SINK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Records -> the readings among them and how many were not readings (skipped). Pure. */
export function toReadings(values: ReadonlyArray<Buffer | null>): { readings: Reading[]; skipped: number } {
  const readings: Reading[] = [];
  let skipped = 0;
  for (const v of values) {
    const r = v ? parseReading(v.toString('utf8')) : undefined;
    if (r) readings.push(r);
    else skipped++;
  }
  return { readings, skipped };
}

/** `rows` in chunks of `size`, in order. Pure. */
export function toChunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

interface SinkMetrics {
  written(count: number, seconds: number): void;
  skipped(count: number): void;
  error(reason: ErrorReason): void;
  lag(partition: number, records: number): void;
}

function createSinkMetrics(registry: Registry, config: SinkConfig, target: string): SinkMetrics {
  const labels = { backend: config.backend };
  const rows = new Counter({
    name: 'pitower_sink_rows_total',
    help: 'Readings written to the database (a reading delivered again is written again, as the same row); TPS is rate() of this.',
    labelNames: ['backend', 'target'],
    registers: [registry],
  });
  rows.inc({ ...labels, target }, 0);
  const skipped = new Counter({ name: 'pitower_sink_skipped_records_total', help: 'Records of the topic that are not readings (skipped, offset committed).', registers: [registry] });
  skipped.inc(0);
  const errors = new Counter({ name: 'pitower_sink_errors_total', help: 'Failed batch writes by reason (the batch is consumed again).', labelNames: ['backend', 'reason'], registers: [registry] });
  const latency = new Histogram({
    name: 'pitower_sink_batch_latency_seconds',
    help: "One batch of records: its rows written and its offsets committed.",
    labelNames: ['backend'],
    buckets: SINK_BUCKETS,
    registers: [registry],
  });
  const lag = new Gauge({ name: 'pitower_sink_lag_records', help: 'Records of the partition not yet written (high watermark - next offset), at the last batch.', labelNames: ['topic', 'partition'], registers: [registry] });
  return {
    written(count, seconds) {
      rows.inc({ ...labels, target }, count);
      latency.observe(labels, seconds);
    },
    skipped: (count) => skipped.inc(count),
    error: (reason) => errors.inc({ ...labels, reason }),
    lag: (partition, records) => lag.set({ topic: config.topic, partition: String(partition) }, records),
  };
}

export class KafkaSink {
  private consumer?: Consumer;
  private readonly metrics: SinkMetrics;
  private stopped = false;
  private written = 0;
  private readonly seen = new Set<number>();
  /** Called after a crash kafkajs does not restart from (the sink has released everything). */
  onCrash?: () => void;

  constructor(
    private readonly kafka: Kafka,
    private readonly backend: Backend,
    private readonly config: SinkConfig,
    registry: Registry,
    private readonly logger: SinkLogger,
  ) {
    this.metrics = createSinkMetrics(registry, config, backend.target);
  }

  /**
   * Reaches the database (creating its table) and starts consuming; throws (PitowerConnectionError when the
   * database cannot be reached) after releasing what it opened, so it may be called again.
   */
  async start(): Promise<void> {
    try {
      await this.begin();
    } catch (err) {
      await this.release();
      throw err;
    }
  }

  private async begin(): Promise<void> {
    await this.backend.connect(Date.now() + this.config.connectTimeoutSeconds * 1000);
    const consumer = this.kafka.consumer({
      groupId: this.config.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1000,
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.logger.warn({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'sink: consumer crashed');
      // kafkajs restarts after a retriable crash; after any other the owner starts the sink again
      if (!e.payload.restart && this.consumer === consumer) void this.release().then(() => this.onCrash?.());
    });
    await consumer.connect();
    // A new group starts at the beginning of the topic: the readings already there are what the lab moves.
    await consumer.subscribe({ topics: [this.config.topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    this.logger.info({ topic: this.config.topic, group: this.config.groupId, backend: this.backend.name, target: this.backend.target }, 'sink started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.release();
  }

  private async release(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
    await this.backend.close().catch(() => undefined);
  }

  describe(): string {
    return `sink: ${this.config.topic} -> ${this.backend.name} ${this.backend.target}, ${this.written} rows written`;
  }

  /** Writes a batch's readings, then commits its offsets; a failed write throws, so kafkajs consumes the batch again. */
  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (this.stopped || batch.messages.length === 0 || !isRunning() || isStale()) return;
    if (!this.seen.has(batch.partition)) {
      this.seen.add(batch.partition);
      this.logger.info({ topic: batch.topic, partition: batch.partition, offset: batch.firstOffset(), records: batch.messages.length }, 'sink: first batch of a partition');
    }
    const started = performance.now();
    const { readings, skipped } = toReadings(batch.messages.map((m) => m.value));
    const chunks = toChunks(readings, this.backend.batchSize);
    let next = 0;
    try {
      const worker = async (index: number) => {
        while (next < chunks.length && isRunning() && !isStale()) {
          await this.backend.write(chunks[next++], index);
          // a long first batch (a topic read from its start) must not outlive the group session
          await heartbeat();
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.concurrency, chunks.length) }, (_, i) => worker(i)));
    } catch (err) {
      const reason = this.backend.classifyError(err);
      this.metrics.error(reason);
      this.logger.warn({ reason, err: errorMessage(err), partition: batch.partition, records: batch.messages.length }, 'sink: write failed; the batch is consumed again');
      throw err;
    }
    // stopped or rebalanced mid-batch: what was written stays uncommitted and is delivered again (same rows)
    if (next < chunks.length) return;
    const last = batch.messages[batch.messages.length - 1].offset;
    // the fetch position moves on only with resolveOffset; the commit is what a restart starts from
    resolveOffset(last);
    await this.consumer?.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
    await heartbeat();
    this.written += readings.length;
    this.metrics.written(readings.length, (performance.now() - started) / 1000);
    if (skipped > 0) this.metrics.skipped(skipped);
    this.metrics.lag(batch.partition, Math.max(0, Number(batch.highWatermark) - Number(last) - 1));
  }
}
