/**
 * The immutable picture of a cluster that everything else in kafka/ reads: built from raw kafkajs metadata,
 * offsets and group answers by pure functions, never mutated afterwards. Metric rendering and the
 * shrink/expand/leader-change diff only ever see snapshots.
 */

export interface BrokerState {
  id: number;
  host: string;
  port: number;
  /** Answered an ApiVersions probe on the last metadata poll; undefined = not probed. */
  reachable?: boolean;
}

export interface PartitionState {
  topic: string;
  partition: number;
  /** -1 when the partition has no leader (offline). */
  leader: number;
  /** Assignment order: replicas[0] is the preferred leader. */
  replicas: readonly number[];
  isr: readonly number[];
  /** min.insync.replicas of the topic (from topic configs, else --kafka.min-isr-default). */
  minIsr: number;
}

export interface TopicState {
  name: string;
  partitions: readonly PartitionState[];
}

export interface ClusterSnapshot {
  /** Epoch milliseconds of the metadata answer. */
  takenAt: number;
  brokers: readonly BrokerState[];
  /** -1 when unknown. */
  controllerId: number;
  /** The cluster id the brokers report (Metadata v2+); undefined from older brokers. */
  clusterId?: string;
  /** Sorted by name; partitions sorted by number. */
  topics: readonly TopicState[];
  /** Partitions left out by --kafka.max-partitions. */
  droppedPartitions: number;
  /**
   * Brokers seen in an earlier poll that the metadata no longer lists (a real cluster drops a broker that
   * died), probed like the others: pitower_kafka_broker_up shows them as 0 instead of losing the series.
   */
  departedBrokers?: readonly BrokerState[];
}

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** High watermark (next offset to be written). */
  high: number;
  /** Log start offset. */
  low: number;
}

export interface GroupOffset {
  topic: string;
  partition: number;
  /** -1: the group committed other partitions of this topic but not this one (kafka_exporter's value). */
  committed: number;
  /** max(0, high - committed); -1 when nothing is committed; undefined when the high watermark is unknown. */
  lag?: number;
  /** The high watermark was below the committed offset (sampled earlier) and lag was clamped to 0. */
  clamped: boolean;
  /**
   * Lag in time: the timestamp of the newest record minus that of the record at the committed offset (the
   * next one the group reads), in seconds, never negative; 0 with no lag; undefined when not read.
   */
  lagSeconds?: number;
}

export interface GroupState {
  id: string;
  /** undefined when DescribeGroups is not available. */
  members?: number;
  offsets: readonly GroupOffset[];
}

export interface OffsetsSnapshot {
  takenAt: number;
  partitions: readonly PartitionOffsets[];
  groups: readonly GroupState[];
  /** Log dirs of the brokers that answered DescribeLogDirs; undefined when none was asked. */
  logDirs?: readonly LogDirState[];
}

/** One broker's log dir: its replicas of the kept topics, and the bytes of all its replicas. */
export interface LogDirState {
  broker: number;
  path: string;
  errorCode: number;
  totalBytes: number;
  replicas: ReadonlyArray<{ topic: string; partition: number; sizeBytes: number; isFuture: boolean }>;
}

/** DescribeLogDirs answers -> the dirs as shown: per-partition sizes of `keep`'s partitions only. */
export function toLogDirStates(dirs: ReadonlyArray<Omit<LogDirState, 'totalBytes'>>, keep: ReadonlyMap<string, ReadonlySet<number>>): LogDirState[] {
  return dirs.map((d) => ({
    broker: d.broker,
    path: d.path,
    errorCode: d.errorCode,
    totalBytes: d.replicas.reduce((n, r) => n + r.sizeBytes, 0),
    replicas: d.replicas
      .filter((r) => keep.get(r.topic)?.has(r.partition))
      .map(({ topic, partition, sizeBytes, isFuture }) => ({ topic, partition, sizeBytes, isFuture }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition)),
  }));
}

/** What kafkajs decodes from a Metadata response (v1..v6), the fields we use. */
export interface RawMetadata {
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  controllerId?: number | null;
  clusterId?: string | null;
  topicMetadata: Array<{
    topicErrorCode?: number;
    topic: string;
    isInternal?: boolean;
    partitionMetadata: Array<{ partitionErrorCode?: number; partitionId: number; leader: number; replicas: number[]; isr: number[] }>;
  }>;
}

export interface TopicFilter {
  include?: RegExp;
  exclude?: RegExp;
}

export interface SnapshotOptions {
  topics: TopicFilter;
  /** Keep at most this many partitions (topics in name order); 0 = no cap. */
  maxPartitions: number;
  minIsrDefault: number;
  /** topic -> min.insync.replicas read from the topic's config. */
  minIsr: ReadonlyMap<string, number>;
  /** broker id -> reachable, from the probes of this poll. */
  reachable?: ReadonlyMap<number, boolean>;
  /** Expose internal topics (__consumer_offsets); kafka_exporter does by default, so do we. */
  includeInternal?: boolean;
}

export function matchesFilter(name: string, filter: TopicFilter): boolean {
  if (filter.include && !filter.include.test(name)) return false;
  if (filter.exclude && filter.exclude.test(name)) return false;
  return true;
}

const byNumber = (a: number, b: number): number => a - b;

/** Raw metadata -> snapshot: filtered, sorted, capped. Topics with a topic-level error are left out (the caller counts them). */
export function toClusterSnapshot(raw: RawMetadata, options: SnapshotOptions, takenAt: number): ClusterSnapshot {
  const brokers = raw.brokers
    .map((b): BrokerState => ({ id: b.nodeId, host: b.host, port: b.port, reachable: options.reachable?.get(b.nodeId) }))
    .sort((a, b) => a.id - b.id);
  const selected = raw.topicMetadata
    .filter((t) => !t.topicErrorCode && matchesFilter(t.topic, options.topics))
    .filter((t) => options.includeInternal !== false || !t.isInternal)
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  let budget = options.maxPartitions > 0 ? options.maxPartitions : Infinity;
  let dropped = 0;
  const topics: TopicState[] = [];
  for (const t of selected) {
    const minIsr = options.minIsr.get(t.topic) ?? options.minIsrDefault;
    const sorted = [...t.partitionMetadata].sort((a, b) => a.partitionId - b.partitionId);
    const kept = sorted.slice(0, Math.max(0, Math.min(sorted.length, budget)));
    dropped += sorted.length - kept.length;
    budget -= kept.length;
    if (kept.length === 0 && sorted.length > 0) continue;
    topics.push({
      name: t.topic,
      partitions: kept.map((p) => ({
        topic: t.topic,
        partition: p.partitionId,
        leader: p.leader ?? -1,
        replicas: [...p.replicas],
        isr: [...p.isr].sort(byNumber),
        minIsr,
      })),
    });
  }
  return { takenAt, brokers, controllerId: raw.controllerId ?? -1, ...(raw.clusterId ? { clusterId: raw.clusterId } : {}), topics, droppedPartitions: dropped };
}

export interface RawGroup {
  id: string;
  members?: number;
  /** Committed offsets as kafkajs returns them (strings, "-1" = none). */
  topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
}

/**
 * Offsets and groups -> snapshot. Lag is never negative. As kafka_exporter shows them, every tracked partition
 * of a topic the group has committed to is listed: one without a commit has committed and lag -1; a topic
 * with no commit at all has no series.
 */
export function toOffsetsSnapshot(
  partitions: readonly PartitionOffsets[],
  groups: readonly RawGroup[],
  takenAt: number,
): OffsetsSnapshot {
  const high = new Map<string, number>();
  const partitionsOf = new Map<string, number[]>();
  for (const p of partitions) {
    high.set(`${p.topic}\u0000${p.partition}`, p.high);
    partitionsOf.set(p.topic, [...(partitionsOf.get(p.topic) ?? []), p.partition]);
  }
  const sortedParts = [...partitions].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  const outGroups = [...groups]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((g): GroupState => {
      const offsets: GroupOffset[] = [];
      for (const t of g.topics) {
        const committedAt = new Map<number, number>();
        for (const p of t.partitions) {
          const committed = Number(p.offset);
          if (Number.isFinite(committed) && committed >= 0) committedAt.set(p.partition, committed);
        }
        if (committedAt.size === 0) continue;
        for (const partition of new Set([...committedAt.keys(), ...(partitionsOf.get(t.topic) ?? [])])) {
          const committed = committedAt.get(partition);
          if (committed === undefined) {
            offsets.push({ topic: t.topic, partition, committed: -1, lag: -1, clamped: false });
            continue;
          }
          const h = high.get(`${t.topic}\u0000${partition}`);
          const raw = h === undefined ? undefined : h - committed;
          offsets.push({
            topic: t.topic,
            partition,
            committed,
            lag: raw === undefined ? undefined : Math.max(0, raw),
            clamped: raw !== undefined && raw < 0,
          });
        }
      }
      offsets.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
      return { id: g.id, members: g.members, offsets };
    });
  return { takenAt, partitions: sortedParts, groups: outGroups };
}

/** A record whose timestamp the lag in seconds needs. */
export interface RecordLookup {
  topic: string;
  partition: number;
  offset: number;
}

export const lookupKey = (l: RecordLookup): string => `${l.topic}\u0000${l.partition}\u0000${l.offset}`;

/**
 * The records whose timestamps give every lag in seconds of `snapshot`: for each partition a group lags
 * on, the record at the committed offset and the newest one (high watermark - 1). Deduplicated (groups on
 * one partition share the newest record), in topic/partition order, at most `limit`.
 */
export function toRecordLookups(snapshot: OffsetsSnapshot, limit: number): RecordLookup[] {
  const high = new Map(snapshot.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p.high]));
  const out = new Map<string, RecordLookup>();
  for (const g of snapshot.groups) {
    for (const o of g.offsets) {
      const h = high.get(`${o.topic}\u0000${o.partition}`);
      if (o.lag === undefined || o.lag <= 0 || h === undefined) continue;
      for (const offset of [o.committed, h - 1]) {
        const l = { topic: o.topic, partition: o.partition, offset };
        out.set(lookupKey(l), l);
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset)).slice(0, limit);
}

/** `snapshot` with each group offset's lag in seconds from the record timestamps found (ms by lookupKey). */
export function withLagSeconds(snapshot: OffsetsSnapshot, timestamps: ReadonlyMap<string, number>): OffsetsSnapshot {
  const high = new Map(snapshot.partitions.map((p) => [`${p.topic}\u0000${p.partition}`, p.high]));
  const groups = snapshot.groups.map((g) => ({
    ...g,
    offsets: g.offsets.map((o): GroupOffset => {
      if (o.lag === 0) return { ...o, lagSeconds: 0 };
      const h = high.get(`${o.topic}\u0000${o.partition}`);
      if (o.lag === undefined || o.lag < 0 || h === undefined) return o;
      const committedAt = timestamps.get(lookupKey({ topic: o.topic, partition: o.partition, offset: o.committed }));
      const newestAt = timestamps.get(lookupKey({ topic: o.topic, partition: o.partition, offset: h - 1 }));
      return committedAt === undefined || newestAt === undefined ? o : { ...o, lagSeconds: Math.max(0, (newestAt - committedAt) / 1000) };
    }),
  }));
  return { ...snapshot, groups };
}

/** The snapshot before the first successful poll. */
export function emptyClusterSnapshot(): ClusterSnapshot {
  return { takenAt: 0, brokers: [], controllerId: -1, topics: [], droppedPartitions: 0 };
}
