import { CompressionTypes, type Kafka, type Admin, type Consumer, type Message, type Producer } from 'kafkajs';
import { PitowerConnectionError, errorMessage } from '../../errors';
import { createKafkaClient } from '../../kafka-client/client';
import { reconcileAudit, type AuditResult, type SeqSet } from '../audit';
import type { LoadConfig } from '../options';
import { parseReadingJson, toReadingJson, type Reading } from '../reading';
import { retryUntil, withDeadline } from '../../retry';
import { classifyCommonError, refusedHosts, type Backend, type ErrorReason } from './backend';

export type KafkaConfig = NonNullable<LoadConfig['kafka']>;

/** Partition -> offset, as strings like kafkajs returns them. */
export type PartitionOffsets = Map<number, string>;

const NOT_LEADER_TYPES = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER']);
const UNAVAILABLE_TYPES = new Set(['NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND']);
const TIMEOUT_TYPES = new Set(['REQUEST_TIMED_OUT']);

/** kafkajs wraps errors (retries exceeded -> originalError; connection errors -> cause): walk the chain. */
export function classifyKafkaError(err: unknown): ErrorReason {
  for (let e = err as Record<string, unknown> | undefined, depth = 0; e && depth < 5; depth++) {
    const type = typeof e.type === 'string' ? e.type : '';
    const name = typeof e.name === 'string' ? e.name : '';
    if (NOT_LEADER_TYPES.has(type)) return 'not_leader';
    if (UNAVAILABLE_TYPES.has(type)) return 'unavailable';
    if (TIMEOUT_TYPES.has(type) || name === 'KafkaJSRequestTimeoutError') return 'timeout';
    if (name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError' || name === 'KafkaJSBrokerNotFound') return 'connection';
    if (name === 'KafkaJSSASLAuthenticationError' || type === 'SASL_AUTHENTICATION_FAILED' || type.endsWith('_AUTHORIZATION_FAILED')) return 'auth';
    if (name === 'KafkaJSProtocolError') return 'rejected';
    e = (e.originalError ?? e.cause) as Record<string, unknown> | undefined;
  }
  return classifyCommonError(err) ?? 'other';
}

/** The messages of one send: key = host (a host's readings stay ordered in one partition), value = JSON. */
export function toKafkaMessages(batch: Reading[]): Message[] {
  return batch.map((r) => ({ key: r.host, value: toReadingJson(r) }));
}

/** Acks label value of pitower_load_info. */
export function toAcksLabel(acks: -1 | 0 | 1): string {
  return acks === -1 ? 'all' : String(acks);
}

/** The load generator's kafkajs client: brokers, TLS and SASL from the flags; also the admin of --kafka.client rdkafka. */
export function createLoadKafkaClient(config: KafkaConfig): Kafka {
  return createKafkaClient({
    clientId: 'pitower-load',
    brokers: config.brokers,
    security: config.security,
    connectionTimeoutMs: 3000,
    requestTimeoutMs: 10000,
    // the cluster's own connection retries (kafkajs applies the client-level policy to broker connections)
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

const fetchOffsets = async (a: Admin, topic: string): Promise<PartitionOffsets> => new Map((await a.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));

/**
 * The connect step both Kafka clients share, through a kafkajs admin: reaches the cluster within
 * `deadlineMs`, creates the topic when missing, and with `audit` returns the end offsets the read-back
 * starts from. A refusal that outlived kafkajs' own retries is final (not retried until the deadline).
 */
export async function prepareKafkaTopic(kafka: Kafka, config: KafkaConfig, deadlineMs: number, audit: boolean): Promise<PartitionOffsets | undefined> {
  let startOffsets: PartitionOffsets | undefined;
  await retryUntil(
    async () => {
      const a = kafka.admin({ retry: { retries: 0 } });
      const attempt = async () => {
        await a.connect();
        const topics = await a.listTopics();
        if (!topics.includes(config.topic)) {
          await a.createTopics({ topics: [{ topic: config.topic }], waitForLeaders: true }).catch(() => undefined);
        }
        if (audit) startOffsets = await fetchOffsets(a, config.topic);
      };
      try {
        await withDeadline(attempt(), deadlineMs, 'no answer');
      } finally {
        await a.disconnect().catch(() => undefined);
      }
    },
    {
      deadlineMs,
      // kafkajs' own retries (above) already went round the bootstrap servers: a refusal at the end is final.
      retriable: (err) => !refusedHosts(err),
    },
  );
  return startOffsets;
}

/** Reads back [start, end now) of the topic with a kafkajs consumer (whatever client produced) and reconciles. */
export async function auditKafkaTopic(config: KafkaConfig, startOffsets: PartitionOffsets | undefined, producerId: string, acknowledged: SeqSet): Promise<AuditResult> {
  if (!startOffsets) throw new Error('no start offsets (connect with audit enabled)');
  const from = startOffsets;
  // A fresh client per attempt: after a broker outage the run's client may still hold dead connections.
  const seen = await retryUntil(
    async () => {
      const client = createKafkaClient({
        clientId: 'pitower-audit',
        brokers: config.brokers,
        security: config.security,
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 30000,
        retry: { retries: 5 },
      });
      const admin = client.admin();
      let endOffsets: PartitionOffsets;
      try {
        await admin.connect();
        endOffsets = await fetchOffsets(admin, config.topic);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      return readBack(client, config.topic, producerId, from, endOffsets);
    },
    { deadlineMs: Date.now() + 30000, backoff: { initialMs: 500, maxMs: 5000, factor: 2, jitter: 0.2 } },
  );
  return reconcileAudit(acknowledged, seen);
}

/**
 * Kafka through kafkajs (--kafka.client kafkajs, the default). `sync`: one reading per send, awaited before
 * the worker sends the next (the lab's semantic); `batch`: `batchSize` readings per send. kafkajs retries
 * retriable errors (leader moved) itself and reconnects on the next send after a broker went away.
 */
export function createKafkaBackend(config: KafkaConfig, batchSize: number, audit: boolean): Backend {
  const target = config.brokers.join(',');
  const kafka = createLoadKafkaClient(config);
  let producer: Producer | undefined;
  let startOffsets: PartitionOffsets | undefined;
  const compression = config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;

  return {
    name: 'kafka',
    target,
    batchSize: config.mode === 'batch' ? batchSize : 1,
    info: { mode: config.mode, acks: toAcksLabel(config.acks), compression: config.compression, topic: config.topic },

    async connect(deadlineMs) {
      try {
        startOffsets = await prepareKafkaTopic(kafka, config, deadlineMs, audit);
        producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
        await producer.connect();
      } catch (err) {
        throw new PitowerConnectionError(`kafka ${target}: ${errorMessage(err)}`, { cause: err });
      }
    },

    async write(batch): Promise<undefined> {
      if (!producer) throw new PitowerConnectionError(`kafka ${target}: not connected`);
      await producer.send({ topic: config.topic, acks: config.acks, compression, messages: toKafkaMessages(batch) });
    },

    audit: (producerId: string, acknowledged: SeqSet) => auditKafkaTopic(config, startOffsets, producerId, acknowledged),

    classifyError: classifyKafkaError,

    async close() {
      const p = producer;
      producer = undefined;
      await p?.disconnect().catch(() => undefined);
    },
  };
}

/** Which partitions still have messages to read: end > start. Pure. */
export function toPendingPartitions(start: PartitionOffsets, end: PartitionOffsets): Map<number, { from: bigint; to: bigint }> {
  const pending = new Map<number, { from: bigint; to: bigint }>();
  for (const [partition, to] of end) {
    const from = BigInt(start.get(partition) ?? '0');
    if (BigInt(to) > from) pending.set(partition, { from, to: BigInt(to) });
  }
  return pending;
}

/** Reads [start, end) of every partition and counts copies of each seq of `producerId`. */
async function readBack(kafka: Kafka, topic: string, producerId: string, start: PartitionOffsets, end: PartitionOffsets, timeoutMs = 60000): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  const pending = toPendingPartitions(start, end);
  if (pending.size === 0) return seen;
  const consumer: Consumer = kafka.consumer({ groupId: `pitower-audit-${producerId}`, retry: { retries: 5 }, maxWaitTimeInMs: 200 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const range = pending.get(batch.partition);
        if (!range) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < range.from || offset >= range.to) continue;
          const reading = message.value ? parseReadingJson(message.value.toString()) : undefined;
          if (reading?.producer === producerId) seen.set(reading.seq, (seen.get(reading.seq) ?? 0) + 1);
        }
        const last = BigInt(batch.lastOffset());
        if (last + 1n >= range.to) {
          pending.delete(batch.partition);
          if (pending.size === 0) finish();
        }
      },
    });
    for (const [partition, range] of pending) consumer.seek({ topic, partition, offset: range.from.toString() });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`read-back of ${topic} did not reach the end offsets within ${timeoutMs / 1000}s`)), timeoutMs);
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return seen;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}
