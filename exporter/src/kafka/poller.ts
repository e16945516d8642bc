import type { ConnectionOptions } from 'node:tls';
import type { Admin, Kafka } from 'kafkajs';
import { errorMessage } from '../errors';
import { backoffSeconds } from './backoff';
import { readBrokerReachable } from './broker-probe';
import { toServername, toTlsOptions } from '../kafka-client/client';
import type { ErrorKind, KafkaMetrics } from './metrics';
import type { KafkaConfig } from './options';
import { connectBrokerRequests, type BrokerRequests } from './broker-requests';
import {
  lookupKey,
  matchesFilter,
  toClusterSnapshot,
  toLogDirStates,
  toOffsetsSnapshot,
  toRecordLookups,
  withLagSeconds,
  type ClusterSnapshot,
  type LogDirState,
  type PartitionOffsets,
  type RawGroup,
  type RecordLookup,
} from './snapshot';
import { describeMetadataPatch, installTolerantMetadata, withRawMetadata } from './tolerant-metadata';

export interface PollerLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Broker probe seam: (host, port) -> answered within the timeout. */
export type BrokerProbe = (host: string, port: number) => Promise<boolean>;

class PollTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'PollTimeoutError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PollTimeoutError(what, ms)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A bounded label value for an error: the Kafka error type (UNKNOWN_TOPIC_OR_PARTITION), else the class name. */
export function toErrorReason(err: unknown): string {
  let e = err as { type?: unknown; name?: unknown; originalError?: unknown; cause?: unknown } | undefined;
  // kafkajs 2.2.4 keeps the retried error in `cause` (older versions: `originalError`).
  const inner = e && typeof e === 'object' ? (e.originalError ?? e.cause) : undefined;
  if (e && typeof e === 'object' && e.name === 'KafkaJSNumberOfRetriesExceeded' && inner) e = inner as typeof e;
  if (e instanceof PollTimeoutError) return 'timeout';
  const raw = e && typeof e === 'object' ? (typeof e.type === 'string' ? e.type : typeof e.name === 'string' ? e.name : 'unknown') : 'unknown';
  return raw.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64) || 'unknown';
}

let errorCodeNames: Map<number, string> | undefined;
function toErrorCodeName(code: number): string {
  if (!errorCodeNames) {
    errorCodeNames = new Map();
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: Array<{ type: string; code: number }> };
      for (const e of errorCodes) errorCodeNames.set(e.code, e.type);
    } catch {
      // names are a nicety; codes still identify the error
    }
  }
  return errorCodeNames.get(code) ?? `code_${code}`;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

/** At most this many record timestamps are read per offsets poll for the lag in seconds (2 per lagging partition). */
export const MAX_RECORD_LOOKUPS = 2000;

/** Offsets this young are served to a scrape without reading them again. */
export const FRESH_OFFSETS_MS = 1000;

/**
 * Polls the cluster in the background: metadata every --kafka.metadata-interval (so ISR shrinks, expands
 * and leader changes between scrapes are counted), offsets, groups and topic configs every
 * --kafka.offsets-interval. A failed metadata poll marks pitower_kafka_up 0, drops the admin client and
 * retries with jittered exponential backoff; errors of single topics, groups or brokers are counted and
 * the rest of the poll goes on. Polls of one kind never overlap.
 */
export class KafkaPoller {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;
  private metadataTimer: NodeJS.Timeout | undefined;
  private offsetsTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private minIsr = new Map<string, number>();
  /** Every broker seen since start (id -> address), so one that leaves the metadata is still probed. */
  private knownBrokers = new Map<number, { host: string; port: number }>();
  private readonly timeoutMs: number;
  private readonly probe: BrokerProbe;
  private inflight = new Set<Promise<unknown>>();
  private runningOffsets: Promise<void> | undefined;
  private runningOffsetsSince = 0;
  private brokerRequests: Promise<BrokerRequests> | undefined;
  private logDirs: LogDirState[] | undefined;
  /** Record timestamps read for the lag in seconds, by lookupKey. */
  private recordTimestamps = new Map<string, number>();
  private logDirsAt = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly metrics: KafkaMetrics,
    private readonly logger: PollerLogger,
    probe?: BrokerProbe,
  ) {
    this.timeoutMs = Math.round(Math.min(30, Math.max(2, config.metadataIntervalSeconds * 2)) * 1000);
    const tls = toTlsOptions(config);
    const probeTimeout = Math.min(this.timeoutMs, 2000);
    this.probe =
      probe ??
      ((host, port) => readBrokerReachable(host, port, probeTimeout, tls ? ({ ...tls, servername: toServername(host) } as ConnectionOptions) : undefined));
  }

  start(): void {
    this.scheduleMetadata(0);
    this.scheduleOffsets(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.metadataTimer);
    clearTimeout(this.offsetsTimer);
    // A poll stuck on a hanging broker must not hold up shutdown (the daemon allows 5 s in all).
    await withTimeout(Promise.allSettled([...this.inflight]), 1000, 'stop').catch(() => undefined);
    await this.dropAdmin();
  }

  /** One metadata poll; never rejects. */
  async pollMetadata(): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      const admin = await this.connectedAdmin();
      const raw = await withTimeout(
        withRawMetadata(() => admin.fetchTopicMetadata()),
        this.timeoutMs,
        'metadata',
      );
      if (!raw) {
        const patch = installTolerantMetadata();
        throw Object.assign(new Error(patch.ok ? 'no metadata response captured' : describeMetadataPatch(patch)), {
          name: patch.ok ? 'NoMetadataResponse' : 'kafkajs_patch_missing',
        });
      }
      for (const t of raw.topicMetadata) if (t.topicErrorCode) this.metrics.onError('topic', toErrorCodeName(t.topicErrorCode));
      const reachable = new Map<number, boolean>();
      const listed = new Set(raw.brokers.map((b) => b.nodeId));
      for (const b of raw.brokers) this.knownBrokers.set(b.nodeId, { host: b.host, port: b.port });
      const departed = [...this.knownBrokers].filter(([id]) => !listed.has(id)).map(([id, a]) => ({ nodeId: id, ...a }));
      await Promise.all(
        [...raw.brokers, ...departed].map(async (b) => {
          const ok = await this.probe(b.host, b.port);
          reachable.set(b.nodeId, ok);
          if (!ok) this.metrics.onError('broker', 'unreachable');
        }),
      );
      const snapshot = toClusterSnapshot(
        raw,
        {
          topics: { include: this.config.topicFilter, exclude: this.config.topicExclude },
          maxPartitions: this.config.maxPartitions,
          minIsrDefault: this.config.minIsrDefault,
          minIsr: this.minIsr,
          reachable,
        },
        Date.now(),
      );
      const departedBrokers = departed
        .sort((a, b) => a.nodeId - b.nodeId)
        .map((b) => ({ id: b.nodeId, host: b.host, port: b.port, reachable: reachable.get(b.nodeId) }));
      this.metrics.onMetadata(departedBrokers.length > 0 ? { ...snapshot, departedBrokers } : snapshot);
      if (this.failures > 0) this.logger.info({ failures: this.failures }, 'kafka metadata poll recovered');
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.metrics.onMetadataFailure();
      this.metrics.onError('metadata', toErrorReason(err));
      const log = this.failures === 1 ? this.logger.warn.bind(this.logger) : this.logger.debug.bind(this.logger);
      log({ err: errorMessage(err), failures: this.failures }, 'kafka metadata poll failed');
      await this.dropAdmin();
      // Keep pitower_kafka_broker_up true to the present for the brokers we last knew.
      const reachable = new Map<number, boolean>();
      const last = this.metrics.latest();
      await Promise.all([...last.brokers, ...(last.departedBrokers ?? [])].map(async (b) => reachable.set(b.id, await this.probe(b.host, b.port))));
      this.metrics.onReachability(reachable);
    } finally {
      this.metrics.onPoll('metadata', Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** One offsets/groups/configs poll over the topics of the latest metadata; never rejects. */
  async pollOffsets(): Promise<void> {
    const snapshot = this.metrics.latest();
    if (snapshot.takenAt === 0 || !this.admin) return;
    const started = process.hrtime.bigint();
    const admin = this.admin;
    const topics = snapshot.topics.map((t) => t.name);
    const wanted = new Set(topics);
    const keep = new Map(snapshot.topics.map((t) => [t.name, new Set(t.partitions.map((p) => p.partition))]));
    const previous = this.metrics.latestOffsets().partitions;
    try {
      await this.readConfigs(admin, topics);
      const partitions: PartitionOffsets[] = [];
      await mapLimit(topics, 4, async (topic) => {
        try {
          const offsets = await withTimeout(admin.fetchTopicOffsets(topic), this.timeoutMs, 'offsets');
          for (const o of offsets) {
            if (keep.get(topic)?.has(o.partition)) partitions.push({ topic, partition: o.partition, high: Number(o.high), low: Number(o.low) });
          }
        } catch (err) {
          // kafkajs fails the whole topic when one partition has no leader: keep the topic's last known
          // offsets (an offline partition's do not move) rather than dropping its healthy partitions too.
          this.count('offsets', err);
          for (const p of previous) if (p.topic === topic && keep.get(topic)?.has(p.partition)) partitions.push(p);
        }
      });
      const groups = await this.readGroups(admin, wanted);
      // Log dir sizes move slowly and their answer grows with the replicas: read on the background interval
      // only, not at every scrape.
      if (Date.now() - this.logDirsAt >= this.config.offsetsIntervalSeconds * 900) {
        this.logDirsAt = Date.now();
        this.logDirs = await this.readLogDirs(snapshot.brokers.map((b) => b.id), keep);
      }
      const logDirs = this.logDirs;
      const offsets = toOffsetsSnapshot(partitions, groups, Date.now());
      const timestamps = await this.readRecordTimestamps(toRecordLookups(offsets, MAX_RECORD_LOOKUPS), snapshot);
      this.metrics.onOffsets({ ...withLagSeconds(offsets, timestamps), ...(logDirs ? { logDirs } : {}) });
    } finally {
      this.metrics.onPoll('offsets', Number(process.hrtime.bigint() - started) / 1e9);
      // The admin was dropped (metadata failure, stop) while this poll used it: kafkajs reconnects a
      // disconnected admin on use, so disconnect it again rather than leak its sockets.
      if (this.admin !== admin) await admin.disconnect().catch(() => undefined);
    }
  }

  private async readConfigs(admin: Admin, topics: string[]): Promise<void> {
    if (topics.length === 0) return;
    try {
      const result = await withTimeout(
        admin.describeConfigs({ resources: topics.map((name) => ({ type: 2, name, configNames: ['min.insync.replicas'] })), includeSynonyms: false }),
        this.timeoutMs,
        'configs',
      );
      const next = new Map<string, number>();
      for (const r of result.resources) {
        const entry = r.configEntries.find((e) => e.configName === 'min.insync.replicas');
        const n = Number(entry?.configValue);
        if (r.errorCode === 0 && Number.isInteger(n) && n > 0) next.set(r.resourceName, n);
      }
      this.minIsr = next;
    } catch (err) {
      // Keep what we knew; topics never read use --kafka.min-isr-default.
      this.count('configs', err);
    }
  }

  private async readGroups(admin: Admin, topics: Set<string>): Promise<RawGroup[]> {
    let ids: string[];
    try {
      const listed = await withTimeout(admin.listGroups(), this.timeoutMs, 'groups');
      ids = [...new Set(listed.groups.map((g) => g.groupId))]
        .filter((id) => matchesFilter(id, { include: this.config.groupFilter, exclude: this.config.groupExclude }))
        .sort();
    } catch (err) {
      // No groups rather than last poll's committed offsets against this poll's high watermarks, which
      // would overstate every lag by the consumers' progress since.
      this.count('groups', err);
      return [];
    }
    const members = new Map<string, number>();
    if (ids.length > 0) {
      try {
        const described = await withTimeout(admin.describeGroups(ids), this.timeoutMs, 'groups');
        for (const g of described.groups) members.set(g.groupId, g.members.length);
      } catch (err) {
        this.count('groups', err);
      }
    }
    const groups = await mapLimit(ids, 4, async (id): Promise<RawGroup | undefined> => {
      try {
        // All committed topics at once (OffsetFetch with null topics); brokers that answer that with nothing
        // (librdkafka's mock, pre-2.0 Kafka) are asked again for the topics we track.
        let offsets = await withTimeout(admin.fetchOffsets({ groupId: id }), this.timeoutMs, 'groups');
        if (offsets.length === 0 && topics.size > 0) {
          offsets = await withTimeout(admin.fetchOffsets({ groupId: id, topics: [...topics] }), this.timeoutMs, 'groups');
        }
        return { id, members: members.get(id), topics: offsets.filter((t) => topics.has(t.topic)) };
      } catch (err) {
        this.count('groups', err);
        return undefined;
      }
    });
    return groups.filter((g): g is RawGroup => g !== undefined);
  }

  /**
   * DescribeLogDirs of every broker, in parallel; a broker that fails keeps its last answer out (counted),
   * one that does not know the request is left out. Undefined when no broker answered.
   */
  private async readLogDirs(brokers: number[], keep: ReadonlyMap<string, ReadonlySet<number>>): Promise<LogDirState[] | undefined> {
    if (brokers.length === 0) return undefined;
    const client = await this.connectedBrokerRequests('log_dirs');
    if (!client) return undefined;
    const answers = await Promise.all(
      brokers.map(async (broker) => {
        try {
          return await withTimeout(client.describe(broker), this.timeoutMs, 'log dirs');
        } catch (err) {
          this.count('log_dirs', err);
          return undefined;
        }
      }),
    );
    const dirs = answers.flatMap((a) => a ?? []);
    return answers.some((a) => a !== undefined) ? toLogDirStates(dirs, keep) : undefined;
  }

  /**
   * Timestamps of the records the lag in seconds needs, from each partition's leader: one Fetch per leader
   * and round (a round asks at most one offset per partition: the committed and the newest record are two
   * rounds). A record's timestamp does not change, so those already read are kept while still needed.
   */
  private async readRecordTimestamps(lookups: RecordLookup[], cluster: ClusterSnapshot): Promise<Map<string, number>> {
    const kept = new Map<string, number>();
    for (const l of lookups) {
      const ts = this.recordTimestamps.get(lookupKey(l));
      if (ts !== undefined) kept.set(lookupKey(l), ts);
    }
    this.recordTimestamps = kept;
    const missing = lookups.filter((l) => !kept.has(lookupKey(l)));
    if (missing.length === 0) return kept;
    const leaders = new Map<string, number>();
    for (const t of cluster.topics) for (const p of t.partitions) leaders.set(`${t.name}\u0000${p.partition}`, p.leader);
    const rounds: Array<Map<number, RecordLookup[]>> = [];
    for (const l of missing) {
      const leader = leaders.get(`${l.topic}\u0000${l.partition}`);
      if (leader === undefined || leader < 0) continue;
      let round = rounds.find((r) => !(r.get(leader) ?? []).some((x) => x.topic === l.topic && x.partition === l.partition));
      if (!round) rounds.push((round = new Map()));
      round.set(leader, [...(round.get(leader) ?? []), l]);
    }
    const client = await this.connectedBrokerRequests('offsets');
    if (!client) return kept;
    for (const round of rounds) {
      await Promise.all(
        [...round].map(async ([leader, ls]) => {
          try {
            for (const [key, ts] of await withTimeout(client.recordTimestamps(leader, ls), this.timeoutMs, 'record timestamps')) kept.set(key, ts);
          } catch (err) {
            this.count('offsets', err);
          }
        }),
      );
    }
    return kept;
  }

  /** The client for requests kafkajs' admin lacks, connected once and shared; undefined (counted) when it cannot connect. */
  private async connectedBrokerRequests(kind: ErrorKind): Promise<BrokerRequests | undefined> {
    if (!this.brokerRequests) {
      const connecting = connectBrokerRequests(this.kafka);
      // A connect that outlives its timeout is closed when it completes, not left open.
      this.brokerRequests = withTimeout(connecting, this.timeoutMs, 'connect').catch((err: unknown) => {
        void connecting.then((c) => c.disconnect()).catch(() => undefined);
        throw err;
      });
    }
    try {
      return await this.brokerRequests;
    } catch (err) {
      this.brokerRequests = undefined;
      this.count(kind, err);
      return undefined;
    }
  }

  private count(kind: ErrorKind, err: unknown): void {
    this.metrics.onError(kind, toErrorReason(err));
    this.logger.debug({ kind, err: errorMessage(err) }, 'kafka poll error');
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    this.connecting ??= (async () => {
      const admin = this.kafka.admin();
      try {
        await withTimeout(admin.connect(), this.timeoutMs, 'connect');
      } catch (err) {
        await admin.disconnect().catch(() => undefined);
        throw err;
      }
      this.admin = admin;
      return admin;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async dropAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    const logDirs = this.brokerRequests;
    this.brokerRequests = undefined;
    if (logDirs) await withTimeout(logDirs.then((c) => c.disconnect()), 2000, 'disconnect').catch(() => undefined);
    if (admin) await withTimeout(admin.disconnect(), 2000, 'disconnect').catch(() => undefined);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    return promise.finally(() => this.inflight.delete(promise));
  }

  private scheduleMetadata(delaySeconds: number): void {
    if (this.stopped) return;
    this.metadataTimer = setTimeout(() => {
      void this.track(this.pollMetadata().catch((err) => this.count('metadata', err))).then(() => {
        const interval = this.config.metadataIntervalSeconds;
        const delay =
          this.failures === 0 ? interval : backoffSeconds(this.failures - 1, { initial: Math.min(1, interval), max: Math.max(interval, 30), jitter: 0.2 });
        this.scheduleMetadata(delay);
      });
    }, delaySeconds * 1000);
  }

  private scheduleOffsets(delaySeconds: number): void {
    if (this.stopped) return;
    this.offsetsTimer = setTimeout(() => {
      // The first offsets poll waits for the first metadata snapshot; later ones run on their interval.
      const first = this.metrics.latest().takenAt === 0;
      void this.offsetsPoll().then(() => this.scheduleOffsets(first ? Math.min(1, this.config.offsetsIntervalSeconds) : this.config.offsetsIntervalSeconds));
    }, delaySeconds * 1000);
  }

  /** The offsets poll running now, or a new one: scrape-time and background polls share it, never overlap. */
  private offsetsPoll(): Promise<void> {
    if (!this.runningOffsets) this.runningOffsetsSince = Date.now();
    this.runningOffsets ??= this.track(this.pollOffsets().catch((err) => this.count('offsets', err))).finally(() => {
      this.runningOffsets = undefined;
    });
    return this.runningOffsets;
  }

  /**
   * Scrape time: offsets, lag and groups read afresh, so rate() and irate() of offsets see every scrape's
   * own value (as kafka_exporter reads them per scrape). Waits at most `waitMs` for the poll (a slow one goes
   * on and serves a later scrape); offsets younger than FRESH_OFFSETS_MS (another Prometheus just scraped)
   * are served as they are. Never rejects.
   */
  async refreshOffsets(waitMs: number): Promise<void> {
    if (this.stopped || waitMs <= 0 || this.metrics.latest().takenAt === 0) return;
    if (Date.now() - this.metrics.latestOffsets().takenAt < FRESH_OFFSETS_MS) return;
    // A poll that has already run longer than a scrape waits (hanging brokers) is not waited for again:
    // one scrape paid the wait, the next ones answer at once from the last offsets.
    if (this.runningOffsets && Date.now() - this.runningOffsetsSince >= waitMs) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.offsetsPoll(), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }
}
