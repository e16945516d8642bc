/** Panel options and the view models the three views render. Pure types, no logic. */

export type ViewKind = 'leadership' | 'isr' | 'bottleneck';
export type Reducer = 'last' | 'mean' | 'max';

/**
 * Every metric option holds a name (or several, comma-separated) that a series matches either by its
 * `__name__` label (a bare selector such as `pitower_kafka_partition_replica_leader`) or by its query's
 * refId (set the refId to the same string when the query aggregates the name away, e.g.
 * `max by (cluster,topic,partition,broker)(...)`).
 */
export interface PanelOptions {
  view: ViewKind;

  // leadership + isr: pitower per-replica series
  replicaInSyncMetric: string;
  replicaLeaderMetric: string;
  replicaPreferredMetric: string;
  partitionOfflineMetric: string;
  brokerUpMetric: string;
  isrShrinksMetric: string;
  isrExpandsMetric: string;
  leaderChangesMetric: string;
  underMinIsrMetric: string;
  // leadership + isr: kafka_exporter-compatible series (fallback when the per-replica ones are absent)
  brokerInfoMetric: string;
  partitionLeaderMetric: string;
  partitionReplicasMetric: string;
  partitionInSyncReplicasMetric: string;
  partitionLeaderIsPreferredMetric: string;
  underReplicatedMetric: string;

  topicFilter: string;
  skewWarnPercent: number;
  compactRows: boolean;

  // leadership: the end-to-end probe (pitower exporter --probe.enabled) in the broker headers
  probeLatencyMetric: string;
  probeFailedMetric: string;
  probeLostMetric: string;
  probeLatencyWarnSeconds: number;
  probeLatencyCriticalSeconds: number;

  // bottleneck: names per HostSample field (refId or __name__); the defaults accept the query names of
  // @pitower/diagnosis (diagnosis/src/queries.ts) (cpu, io, temperature, ...) and the raw metric names
  cpuQuery: string;
  ioQuery: string;
  temperatureQuery: string;
  throttledQuery: string;
  tpsQuery: string;
  inflightQuery: string;
  concurrencyQuery: string;
  latencyQuery: string;
  generatorCpuQuery: string;
  loopDelayQuery: string;
  scheduleLagQuery: string;
  hostLabel: string;
  roleLabel: string;
  reducer: Reducer;
  busyWarn: number;
  busyCritical: number;
  temperatureWarnCelsius: number;
  temperatureCriticalCelsius: number;
}

export const DEFAULT_OPTIONS: PanelOptions = {
  view: 'leadership',
  replicaInSyncMetric: 'pitower_kafka_partition_replica_in_sync',
  replicaLeaderMetric: 'pitower_kafka_partition_replica_leader',
  replicaPreferredMetric: 'pitower_kafka_partition_replica_preferred',
  partitionOfflineMetric: 'pitower_kafka_partition_offline',
  brokerUpMetric: 'pitower_kafka_broker_up',
  isrShrinksMetric: 'pitower_kafka_partition_isr_shrinks_total',
  isrExpandsMetric: 'pitower_kafka_partition_isr_expands_total',
  leaderChangesMetric: 'pitower_kafka_partition_leader_changes_total',
  underMinIsrMetric: 'pitower_kafka_partition_under_min_isr',
  brokerInfoMetric: 'kafka_broker_info',
  partitionLeaderMetric: 'kafka_topic_partition_leader',
  partitionReplicasMetric: 'kafka_topic_partition_replicas',
  partitionInSyncReplicasMetric: 'kafka_topic_partition_in_sync_replica',
  partitionLeaderIsPreferredMetric: 'kafka_topic_partition_leader_is_preferred',
  underReplicatedMetric: 'kafka_topic_partition_under_replicated_partition',
  topicFilter: '',
  skewWarnPercent: 20,
  compactRows: true,
  probeLatencyMetric: 'pitower_probe_end_to_end_latency_seconds_bucket',
  probeFailedMetric: 'pitower_probe_records_failed_total',
  probeLostMetric: 'pitower_probe_records_lost_total',
  probeLatencyWarnSeconds: 0.25,
  probeLatencyCriticalSeconds: 1,
  cpuQuery: 'cpu',
  ioQuery: 'io',
  temperatureQuery: 'temperature, pitower_thermal_zone_temperature_celsius',
  throttledQuery: 'throttled, pitower_throttling_now',
  tpsQuery: 'tps',
  inflightQuery: 'inflight, pitower_load_inflight',
  concurrencyQuery: 'concurrency, pitower_load_concurrency_limit',
  latencyQuery: 'latency',
  generatorCpuQuery: 'generatorCpu',
  loopDelayQuery: 'loopDelay',
  scheduleLagQuery: 'scheduleLag, pitower_load_schedule_lag_seconds',
  hostLabel: 'instance',
  roleLabel: 'role',
  reducer: 'mean',
  busyWarn: 0.7,
  busyCritical: 0.85,
  temperatureWarnCelsius: 70,
  temperatureCriticalCelsius: 80,
};

/** One Prometheus series, whatever the frame shape it arrived in. */
export interface Series {
  refId: string;
  labels: Record<string, string>;
  times: number[];
  values: Array<number | null>;
}

/** How a value compares with its warning and critical thresholds. */
export type Level = 'ok' | 'warn' | 'critical';

// ---------- leadership ----------

/** What one broker holds for one partition. */
export type CellState =
  | 'leader-preferred' // leader and the preferred replica
  | 'leader' // leader, not the preferred replica
  | 'in-sync' // follower in the ISR
  | 'out-of-sync' // assigned replica outside the ISR
  | 'offline' // assigned replica of a partition without a leader
  | 'unknown' // counts mode: a replica lives somewhere, placement unknown
  | 'none'; // not a replica

export interface BrokerColumn {
  id: string;
  address?: string;
  /** false when the broker is reported down; undefined when nobody said. */
  up?: boolean;
  /** false when replicas point at a broker that no broker series lists. */
  known: boolean;
  led: number;
  replicas: number;
  /** (led - ideal) / ideal * 100, ideal = partitions with a leader / brokers; 0 when no leaders. */
  skewPercent: number;
  /** The end-to-end probe through this broker over the time range; undefined when no probe series name it. */
  probe?: ProbeCell;
}

/** The end-to-end probe's records sent while this broker led their partition, over the time range. */
export interface ProbeCell {
  broker: string;
  /** Round-trip (send to consumed back) 99th percentile, seconds; undefined when none came back. */
  p99Seconds?: number;
  /** Records that came back (the latency histogram's count). */
  received: number;
  /** Sends not acknowledged (error or --probe.timeout). */
  failed: number;
  /** Acknowledged records not consumed back within --probe.timeout. */
  lost: number;
  latencyLevel: Level;
  /** warn when any send failed. */
  failedLevel: Level;
  /** critical when any record was lost. */
  lostLevel: Level;
  /** The worst of the three. */
  level: Level;
}

export interface PartitionRow {
  topic: string;
  partition: number;
  /** leader broker id, '-1' when offline, undefined when unknown. */
  leader?: string;
  offline: boolean;
  underReplicated: boolean;
  preferredLeader?: boolean;
  replicas: number;
  inSync: number;
  /** one per BrokerColumn, same order. */
  cells: CellState[];
}

export interface TopicGroup {
  topic: string;
  partitions: PartitionRow[];
}

export interface LeadershipViewModel {
  /** replicas: per-replica series; counts: kafka_exporter metrics only; empty: nothing to draw. */
  mode: 'replicas' | 'counts' | 'empty';
  brokers: BrokerColumn[];
  topics: TopicGroup[];
  totals: { partitions: number; offline: number; underReplicated: number; notPreferred: number };
  /** Whether the query results hold probe series (the broker headers then have a probe row). */
  probe: boolean;
  warnings: string[];
  /** Why the panel is empty or degraded, written for the person looking at it. */
  notice?: string;
}

// ---------- isr ----------

/** The exporter's per-partition change counters: each kind of ISR event. */
export type IsrEventKind = 'shrink' | 'expand' | 'leader-change';

/** Increases of one kind of counter, as a bucket, a partition and the totals count them. */
export interface IsrCounts {
  shrinks: number;
  expands: number;
  leaderChanges: number;
}

/** A counter increase of one partition at one sample (several changes between two samples: count > 1). */
export interface IsrEvent {
  time: number;
  topic: string;
  partition: number;
  kind: IsrEventKind;
  count: number;
  /**
   * Shrinks only: the brokers whose replica was out of the ISR (replica_in_sync == 0) at this sample. Empty
   * when the per-replica series are not queried, or when the replica was back by the sample.
   */
  brokers: string[];
}

export interface IsrBucket extends IsrCounts {
  time: number;
  underReplicated: number;
  offline: number;
  underMinIsr: number;
}

export interface IsrPartitionSummary extends IsrCounts {
  topic: string;
  partition: number;
  /** seconds spent under-replicated / offline in the range (sum of sample intervals). */
  underReplicatedSeconds: number;
  offlineSeconds: number;
  firstTime: number;
  lastTime: number;
  /** brokers whose replica was out of the ISR at some sample of the range. */
  brokers: string[];
}

export interface IsrViewModel {
  /** counters: events from the exporter's change counters; empty: nothing to draw. */
  mode: 'counters' | 'empty';
  /** whether per-replica in-sync series were there to name the brokers out of the ISR. */
  brokersKnown: boolean;
  buckets: IsrBucket[];
  events: IsrEvent[];
  partitions: IsrPartitionSummary[];
  totals: IsrCounts & { maxUnderReplicated: number; maxOffline: number };
  warnings: string[];
  notice?: string;
}
