import { PitowerConfigError, PitowerConnectionError, errorMessage } from '../../errors';
import type { KafkaSecurity } from '../../kafka-client/security';
import type { SeqSet } from '../audit';
import { toReadingJson } from '../reading';
import { classifyCommonError, type Backend, type ErrorReason } from './backend';
import { auditKafkaTopic, createLoadKafkaClient, prepareKafkaTopic, toAcksLabel, type KafkaConfig, type PartitionOffsets } from './kafka';

/**
 * Kafka through node-rdkafka and its bundled librdkafka 2.12.0 (--kafka.client rdkafka). Measured on the 3-node
 * lab (200k readings of ~133 bytes, --mode batch, acks=all, the client on one core): ~4.8 µs of client CPU
 * per reading against kafkajs' ~10.3 µs, and 1.8x the throughput; BENCHMARKS.md has the table. What
 * remains per reading is JavaScript (the JSON, one native produce() call, one delivery report), not the
 * protocol: kcat, all C, spends ~0.65 µs.
 *
 * Only the write path is librdkafka's: reaching the cluster, creating the topic and the audit's read-back
 * are the kafkajs backend's own steps (prepareKafkaTopic, auditKafkaTopic), so both clients audit alike.
 * librdkafka retries retriable errors (leader moved) itself, within message.timeout.ms.
 */

/** The parts of node-rdkafka used here (typed locally: it is an optional dependency and may be absent). */
interface RdkafkaProducer {
  connect(metadataOptions: { timeout?: number }, cb: (err: unknown) => void): void;
  produce(topic: string, partition: number | null, message: Buffer, key: string, timestamp: number | null, opaque: unknown): unknown;
  poll(): unknown;
  disconnect(timeoutMs: number, cb: (err: unknown) => void): void;
  on(event: 'delivery-report', listener: (err: unknown, report: { opaque?: unknown }) => void): unknown;
  on(event: 'event.error' | 'event.log', listener: (arg: unknown) => void): unknown;
}
interface RdkafkaModule {
  Producer: new (global: RdkafkaSettings, topic: RdkafkaSettings) => RdkafkaProducer;
}
export type RdkafkaSettings = Record<string, string | number | boolean>;

/** How often delivery reports are fetched while writes wait for them (sync mode's latency floor). */
const POLL_INTERVAL_MS = 1;
/** librdkafka's own bound on one message, retries included (kafkajs: 10 s requests, 5 retries). */
const MESSAGE_TIMEOUT_MS = 30000;

/** node-rdkafka, or a PitowerConfigError naming the flag when the optional dependency did not install. */
function requireRdkafka(): RdkafkaModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node-rdkafka') as RdkafkaModule;
  } catch (err) {
    throw new PitowerConfigError(
      `--kafka.client rdkafka needs node-rdkafka, an optional dependency compiled at install with its bundled librdkafka ` +
        `(Debian: apt-get install g++ make python3 libssl-dev zlib1g-dev, then npm ci): ${errorMessage(err).split('\n')[0]}`,
      { cause: err },
    );
  }
}

/** librdkafka settings of the run: global and topic-level. Pure. */
export function toRdkafkaSettings(config: KafkaConfig, queueMessages: number): { global: RdkafkaSettings; topic: RdkafkaSettings } {
  const global: RdkafkaSettings = {
    'client.id': 'pitower-load',
    'metadata.broker.list': config.brokers.join(','),
    dr_cb: true,
    'socket.connection.setup.timeout.ms': 3000,
    'retry.backoff.ms': 100,
    'compression.codec': config.compression === 'gzip' ? 'gzip' : 'none',
    // sync: one message per write, sent at once; batch: a write's messages are all queued before the
    // broker thread wakes, so a short linger only gathers concurrent writes into one request.
    'linger.ms': config.mode === 'batch' ? 5 : 0,
    'queue.buffering.max.messages': queueMessages,
    ...toRdkafkaSecurity(config.security),
  };
  const topic: RdkafkaSettings = {
    'request.required.acks': config.acks,
    'request.timeout.ms': 10000,
    'message.timeout.ms': MESSAGE_TIMEOUT_MS,
    // Java's and kafkajs' partitioner: a host's readings land in the same partition whichever client wrote them.
    partitioner: 'murmur2_random',
  };
  return { global, topic };
}

/** --tls.* and --sasl.* as librdkafka settings (PEM text, not paths: the flags' files are already read). Pure. */
export function toRdkafkaSecurity(security: KafkaSecurity): RdkafkaSettings {
  const { tls, sasl } = security;
  const settings: RdkafkaSettings = { 'security.protocol': tls ? (sasl ? 'sasl_ssl' : 'ssl') : sasl ? 'sasl_plaintext' : 'plaintext' };
  if (tls) {
    if (tls.ca !== undefined) settings['ssl.ca.pem'] = tls.ca;
    if (tls.cert !== undefined) settings['ssl.certificate.pem'] = tls.cert;
    if (tls.key !== undefined) settings['ssl.key.pem'] = tls.key;
    // Node (kafkajs) checks the chain and the name; so does librdkafka with 'https'.
    settings['enable.ssl.certificate.verification'] = tls.rejectUnauthorized;
    settings['ssl.endpoint.identification.algorithm'] = tls.rejectUnauthorized ? 'https' : 'none';
  }
  if (sasl) {
    settings['sasl.mechanisms'] = sasl.mechanism.toUpperCase();
    settings['sasl.username'] = sasl.username;
    settings['sasl.password'] = sasl.password;
  }
  return settings;
}

/**
 * librdkafka error codes and texts -> reasons. produce() throws errors with the code; delivery reports
 * carry only the text ("Local: Message timed out", lowercased by node-rdkafka to "message timed out").
 */
const RDKAFKA_REASONS: Array<[ErrorReason, number, string]> = [
  ['not_leader', 6, 'not leader for partition'],
  ['not_leader', 5, 'leader not available'],
  ['not_leader', 74, 'leader epoch is older than broker epoch'],
  ['unavailable', 19, 'not enough in-sync replicas'],
  ['unavailable', 20, 'message(s) written to insufficient number of in-sync replicas'],
  ['timeout', -192, 'message timed out'],
  ['timeout', -185, 'timed out'],
  ['timeout', -166, 'timed out in queue'],
  ['timeout', 7, 'request timed out'],
  ['connection', -195, 'broker transport failure'],
  ['connection', -187, 'all broker connections are down'],
  ['connection', -193, 'host resolution failure'],
  ['connection', -181, 'ssl error'],
  ['connection', 13, 'broker disconnected before response received'],
  ['connection', -197, 'broker handle destroyed'],
  ['connection', -152, 'purged in queue'],
  ['connection', -151, 'purged in flight'],
  ['auth', -169, 'authentication failure'],
  ['auth', 58, 'sasl authentication failed'],
  ['auth', 29, 'topic authorization failed'],
  ['auth', 30, 'group authorization failed'],
  ['auth', 31, 'cluster authorization failed'],
];

/** Maps a node-rdkafka error (or the backend's own "closed") to a reason. Pure. */
export function classifyRdkafkaError(err: unknown): ErrorReason {
  if (err instanceof PitowerConnectionError) return 'connection';
  const e = err as { code?: unknown; message?: unknown; origin?: unknown } | undefined;
  const code = typeof e?.code === 'number' ? e.code : undefined;
  const text = (typeof e?.message === 'string' ? e.message : '').toLowerCase().replace(/^(local|broker): /, '');
  for (const [reason, c, t] of RDKAFKA_REASONS) if (code === c || text === t) return reason;
  // Any other answer of a broker (ERR_ codes are >= 0; delivery reports say "Broker: ...").
  if ((code !== undefined && code >= 0) || e?.origin === 'broker' || /^broker: /i.test(typeof e?.message === 'string' ? e.message : '')) return 'rejected';
  return classifyCommonError(err) ?? 'other';
}

interface PendingWrite {
  left: number;
  error?: unknown;
  resolve(): void;
  reject(err: unknown): void;
}

export interface DeliveryTracker {
  /** Writes still waiting for delivery reports. */
  readonly pending: number;
  /**
   * One write of `count` messages: `produce(i, token)` queues message i with `token` as its opaque. Resolves
   * once every queued message is reported delivered; rejects with the first error (reported or thrown by
   * produce, which stops the write: the messages already queued are still awaited).
   */
  write(count: number, produce: (index: number, token: unknown) => void): Promise<void>;
  /** A delivery report: the opaque of its message and its error (null when delivered). */
  report(err: unknown, token: unknown): void;
  /** Fails every pending write with `err` (the producer is closing). */
  failAll(err: unknown): void;
}

/** Delivery reports -> settled writes; `busy`/`idle` start and stop polling. No I/O: tested without Kafka. */
export function createDeliveryTracker(hooks: { busy(): void; idle(): void }): DeliveryTracker {
  const pending = new Set<PendingWrite>();
  const settle = (w: PendingWrite) => {
    if (!pending.delete(w)) return;
    if (w.error === undefined) w.resolve();
    else w.reject(w.error);
    if (pending.size === 0) hooks.idle();
  };
  return {
    get pending() {
      return pending.size;
    },
    write(count, produce) {
      return new Promise<void>((resolve, reject) => {
        const w: PendingWrite = { left: count, resolve, reject };
        pending.add(w);
        if (pending.size === 1) hooks.busy();
        for (let i = 0; i < count; i++) {
          try {
            produce(i, w);
          } catch (err) {
            w.error ??= err;
            w.left -= count - i;
            break;
          }
        }
        if (w.left === 0) settle(w);
      });
    },
    report(err, token) {
      const w = token as PendingWrite;
      if (!pending.has(w)) return;
      if (err) w.error ??= err;
      if (--w.left === 0) settle(w);
    },
    failAll(err) {
      for (const w of [...pending]) {
        w.error ??= err;
        settle(w);
      }
    },
  };
}

/**
 * `sync`: one reading per write, awaited before the worker writes the next; `batch`: `batchSize` readings
 * per write, each write settled when all its delivery reports are in. `concurrency` sizes librdkafka's
 * queue so that the run's writes always fit.
 */
export function createRdkafkaBackend(config: KafkaConfig, batchSize: number, concurrency: number, audit: boolean): Backend {
  const rdkafka = requireRdkafka();
  const target = config.brokers.join(',');
  const writeSize = config.mode === 'batch' ? batchSize : 1;
  const settings = toRdkafkaSettings(config, Math.min(10_000_000, Math.max(100_000, 2 * writeSize * concurrency)));
  const admin = createLoadKafkaClient(config);
  let producer: RdkafkaProducer | undefined;
  let startOffsets: PartitionOffsets | undefined;
  let poller: NodeJS.Timeout | undefined;
  const tracker = createDeliveryTracker({
    busy() {
      poller ??= setInterval(() => {
        try {
          producer?.poll();
        } catch {
          // disconnected: close() fails what is pending
        }
      }, POLL_INTERVAL_MS);
    },
    idle() {
      clearInterval(poller);
      poller = undefined;
    },
  });

  const disconnect = (p: RdkafkaProducer, timeoutMs: number) => new Promise<void>((resolve) => p.disconnect(timeoutMs, () => resolve()));

  return {
    name: 'kafka',
    target,
    batchSize: writeSize,
    info: { mode: config.mode, acks: toAcksLabel(config.acks), compression: config.compression, topic: config.topic },

    async connect(deadlineMs) {
      let p: RdkafkaProducer | undefined;
      try {
        startOffsets = await prepareKafkaTopic(admin, config, deadlineMs, audit);
        p = new rdkafka.Producer(settings.global, settings.topic);
        p.on('delivery-report', (err, report) => tracker.report(err, report?.opaque));
        // Transient broker errors are retried by librdkafka; a write that cannot succeed fails by its report.
        p.on('event.error', () => undefined);
        const connecting = p;
        await new Promise<void>((resolve, reject) =>
          connecting.connect({ timeout: Math.max(1000, deadlineMs - Date.now()) }, (err) => (err ? reject(err as Error) : resolve())),
        );
        producer = p;
      } catch (err) {
        if (p) await disconnect(p, 0).catch(() => undefined);
        throw new PitowerConnectionError(`kafka ${target}: ${errorMessage(err)}`, { cause: err });
      }
    },

    async write(batch): Promise<undefined> {
      const p = producer;
      if (!p) throw new PitowerConnectionError(`kafka ${target}: not connected`);
      await tracker.write(batch.length, (i, token) => {
        const reading = batch[i];
        p.produce(config.topic, null, Buffer.from(toReadingJson(reading)), reading.host, null, token);
      });
    },

    audit: (producerId: string, acknowledged: SeqSet) => auditKafkaTopic(config, startOffsets, producerId, acknowledged),

    classifyError: classifyRdkafkaError,

    async close() {
      const p = producer;
      producer = undefined;
      // Writes still waiting (a forced close of a stalled run) fail now rather than after message.timeout.ms.
      tracker.failAll(new PitowerConnectionError(`kafka ${target}: producer closed`));
      clearInterval(poller);
      poller = undefined;
      if (p) await disconnect(p, 1000).catch(() => undefined);
    },
  };
}
