import type { Kafka } from 'kafkajs';
import { lookupKey, type RecordLookup } from './snapshot';

/**
 * Requests the collector sends to one broker that kafkajs' admin client does not offer: DescribeLogDirs,
 * and a Fetch of single records for their timestamps (the lag in seconds).
 *
 * DescribeLogDirs (Kafka API key 35), which kafkajs 2.2.4 does not implement: each broker answers for its own
 * log directories, with the size of every partition replica it holds. Version 1 is sent (Kafka 1.1..4.x
 * accept it; v0 went in Kafka 4.0, v2+ are the flexible encoding). The request and response codecs are pure
 * and tested against kafkajs' own Encoder/Decoder; `connectBrokerRequests` reaches each broker through
 * kafkajs' internal Cluster (same TLS/SASL as the rest), as tolerant-metadata.ts does for Metadata — kafkajs
 * is pinned for that reason.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkaDecoder;

interface KafkaEncoder {
  writeInt32(v: number): KafkaEncoder;
  writeInt16(v: number): KafkaEncoder;
  writeInt64(v: number | string): KafkaEncoder;
  writeString(v: string): KafkaEncoder;
  writeBoolean(v: boolean): KafkaEncoder;
  writeArray(v: unknown[], type?: string): KafkaEncoder;
  buffer: Buffer;
}
interface KafkaDecoder {
  readInt32(): number;
  readInt16(): number;
  readInt64(): { toString(): string };
  readString(): string;
  readBoolean(): boolean;
  readArray<T>(reader: (d: KafkaDecoder) => T): T[];
}

export const DESCRIBE_LOG_DIRS_KEY = 35;
const VERSION = 1;

export interface LogDirReplica {
  topic: string;
  partition: number;
  sizeBytes: number;
  /** Bytes this replica is behind (a future replica being moved between dirs); 0 otherwise. */
  offsetLag: number;
  /** A replica being moved into this dir (kafka-reassign-partitions --reassignment-json-file with log dirs). */
  isFuture: boolean;
}

export interface LogDir {
  broker: number;
  path: string;
  /** 0 = the dir is online; otherwise the Kafka error code (KAFKA_STORAGE_ERROR = 56: an offline dir). */
  errorCode: number;
  replicas: LogDirReplica[];
}

/** The v1 request for every topic (a null topic array), as kafkajs' request framing takes it. */
export function describeLogDirsRequest(): KafkaEncoder {
  return new Encoder().writeInt32(-1);
}

/** The v1 response of one broker -> its log dirs. */
export function decodeDescribeLogDirsResponse(broker: number, data: Buffer): LogDir[] {
  const d = new Decoder(data);
  d.readInt32(); // throttle_time_ms
  return d.readArray((dir) => {
    const errorCode = dir.readInt16();
    const path = dir.readString();
    const replicas = dir
      .readArray((t) => {
        const topic = t.readString();
        return t.readArray((p) => ({
          topic,
          partition: p.readInt32(),
          sizeBytes: Number(p.readInt64().toString()),
          offsetLag: Number(p.readInt64().toString()),
          isFuture: p.readBoolean(),
        }));
      })
      .flat();
    return { broker, path, errorCode, replicas };
  });
}

/** A v1 response, for tests: kafkajs' Encoder writes exactly what a broker would. */
export function encodeDescribeLogDirsResponse(dirs: readonly LogDir[]): Buffer {
  const e = new Encoder().writeInt32(0);
  e.writeArray(
    dirs.map((dir) => {
      const topics = new Map<string, LogDirReplica[]>();
      for (const r of dir.replicas) topics.set(r.topic, [...(topics.get(r.topic) ?? []), r]);
      const topicEncoders = [...topics].map(([topic, rs]) =>
        new Encoder().writeString(topic).writeArray(rs.map((r) => new Encoder().writeInt32(r.partition).writeInt64(r.sizeBytes).writeInt64(r.offsetLag).writeBoolean(r.isFuture))),
      );
      return new Encoder().writeInt16(dir.errorCode).writeString(dir.path).writeArray(topicEncoders);
    }),
  );
  return e.buffer;
}

interface InternalBroker {
  fetch(request: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    isolationLevel: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: FetchedPartition[] }> }>;
  connectionPool: { send(r: { request: object; response: object }): Promise<unknown> };
  versions?: Record<number, { minVersion: number; maxVersion: number }>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  findBroker(b: { nodeId: string }): Promise<InternalBroker>;
}

export interface BrokerRequests {
  /** One broker's log dirs; rejects when the broker is unreachable; undefined when it does not know the request. */
  describe(broker: number): Promise<LogDir[] | undefined>;
  /**
   * Timestamps (epoch ms) of the records at `lookups` (at most one offset per partition), read with one
   * Fetch from `leader`: the record at the offset, or the first after it (compacted away). Missing ones
   * are left out.
   */
  recordTimestamps(leader: number, lookups: readonly RecordLookup[]): Promise<Map<string, number>>;
  disconnect(): Promise<void>;
}

interface FetchedPartition {
  partition: number;
  errorCode: number;
  messages: Array<{ offset: string; timestamp: string }>;
}

/** The timestamp of the record at `offset`, or of the first one after it; undefined when the batch has none. */
export function timestampAt(messages: ReadonlyArray<{ offset: string; timestamp: string }>, offset: number): number | undefined {
  let best: { offset: number; timestamp: number } | undefined;
  for (const m of messages) {
    const o = Number(m.offset);
    if (o >= offset && (!best || o < best.offset)) best = { offset: o, timestamp: Number(m.timestamp) };
  }
  return best?.timestamp;
}

/** A client of kafkajs' internal Cluster (the one `kafka.admin()` builds) for DescribeLogDirs. */
export async function connectBrokerRequests(kafka: Kafka): Promise<BrokerRequests> {
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = create ? (kafka as unknown as Record<symbol, unknown>)[create] : undefined;
  if (typeof factory !== 'function') throw Object.assign(new Error('kafkajs has no internal createCluster (not 2.2.4?)'), { name: 'kafkajs_internals_missing' });
  const cluster = (factory as (o: object) => InternalCluster).call(kafka, { allowAutoTopicCreation: false });
  await cluster.connect();
  await cluster.refreshMetadata();
  return {
    async describe(broker) {
      const b = await cluster.findBroker({ nodeId: String(broker) });
      const range = b.versions?.[DESCRIBE_LOG_DIRS_KEY];
      if (!range || range.minVersion > VERSION || range.maxVersion < VERSION) return undefined;
      const request = { apiKey: DESCRIBE_LOG_DIRS_KEY, apiVersion: VERSION, apiName: 'DescribeLogDirs', encode: async () => describeLogDirsRequest() };
      const response = { decode: async (raw: Buffer) => decodeDescribeLogDirsResponse(broker, raw), parse: async (dirs: LogDir[]) => dirs };
      return (await b.connectionPool.send({ request, response })) as LogDir[];
    },
    async recordTimestamps(leader, lookups) {
      const b = await cluster.findBroker({ nodeId: String(leader) });
      const byTopic = new Map<string, RecordLookup[]>();
      for (const l of lookups) byTopic.set(l.topic, [...(byTopic.get(l.topic) ?? []), l]);
      const { responses } = await b.fetch({
        maxWaitTime: 0,
        minBytes: 1,
        maxBytes: 8 << 20,
        isolationLevel: 0, // READ_UNCOMMITTED: up to the high watermark, as the lag counts
        topics: [...byTopic].map(([topic, ls]) => ({ topic, partitions: ls.map((l) => ({ partition: l.partition, fetchOffset: String(l.offset), maxBytes: 256 << 10 })) })),
      });
      const out = new Map<string, number>();
      for (const t of responses) {
        for (const p of t.partitions) {
          const wanted = byTopic.get(t.topicName)?.find((l) => l.partition === p.partition);
          if (!wanted || p.errorCode !== 0) continue;
          const ts = timestampAt(p.messages, wanted.offset);
          if (ts !== undefined && Number.isFinite(ts)) out.set(lookupKey(wanted), ts);
        }
      }
      return out;
    },
    disconnect: () => cluster.disconnect(),
  };
}
