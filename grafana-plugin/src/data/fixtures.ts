import { DataFrame, FieldType } from '@grafana/data';

/**
 * Fixture frames shaped like the Prometheus datasource returns them (one frame per series: a Time field
 * and a Value field carrying the labels). Shared by the unit tests, the Chromium harness and the bench.
 */

export const T0 = Date.UTC(2026, 10, 21, 22, 0, 0);
export const STEP_MS = 15_000;

export function seriesFrame(
  refId: string,
  labels: Record<string, string>,
  values: Array<number | null>,
  times: number[] = values.map((_, i) => T0 + i * STEP_MS),
): DataFrame {
  return {
    refId,
    length: values.length,
    fields: [
      { name: 'Time', type: FieldType.time, values: times, config: {} },
      { name: 'Value', type: FieldType.number, values, labels, config: {} },
    ],
  };
}

/** A bare-selector series: `__name__` is the metric name, refId A. */
export function metricFrame(name: string, labels: Record<string, string>, values: Array<number | null>, refId = 'A'): DataFrame {
  return seriesFrame(refId, { __name__: name, ...labels }, values);
}

export interface ClusterSpec {
  brokers: number;
  topics: Array<{ name: string; partitions: number }>;
  replicationFactor: number;
  /** every Nth partition (by global index) led by its second replica; 0 = never */
  notPreferredEvery?: number;
  /** every Nth partition has its last replica out of the ISR; 0 = never */
  outOfSyncEvery?: number;
  /** partitions (topic/partition) without a leader */
  offline?: string[];
}

export interface PlannedPartition {
  topic: string;
  partition: number;
  replicas: number[];
  leader: number;
  isr: number[];
}

/** Deterministic replica placement (round robin like Kafka's default assignor, broker ids from 1). */
export function planCluster(spec: ClusterSpec): PlannedPartition[] {
  const out: PlannedPartition[] = [];
  let global = 0;
  spec.topics.forEach((t, ti) => {
    for (let p = 0; p < t.partitions; p++, global++) {
      const replicas = Array.from({ length: spec.replicationFactor }, (_, k) => ((p + ti + k) % spec.brokers) + 1);
      const offline = spec.offline?.includes(`${t.name}/${p}`) ?? false;
      const notPreferred = spec.notPreferredEvery ? global % spec.notPreferredEvery === spec.notPreferredEvery - 1 : false;
      const outOfSync = spec.outOfSyncEvery ? global % spec.outOfSyncEvery === spec.outOfSyncEvery - 2 : false;
      const leader = offline ? -1 : notPreferred ? replicas[1] : replicas[0];
      const isr = offline ? [] : replicas.filter((r, k) => !(outOfSync && k === replicas.length - 1 && r !== leader));
      out.push({ topic: t.name, partition: p, replicas, leader, isr });
    }
  });
  return out;
}

/** pitower per-replica series (+ broker_up) for a planned cluster. */
export function createReplicaFrames(spec: ClusterSpec): DataFrame[] {
  const frames: DataFrame[] = [];
  for (let b = 1; b <= spec.brokers; b++) {
    frames.push(metricFrame('pitower_kafka_broker_up', { broker: String(b), address: `pi${b}:9092` }, [1]));
  }
  for (const p of planCluster(spec)) {
    const base = { topic: p.topic, partition: String(p.partition) };
    frames.push(metricFrame('pitower_kafka_partition_offline', base, [p.leader === -1 ? 1 : 0]));
    p.replicas.forEach((r, k) => {
      const labels = { ...base, broker: String(r) };
      frames.push(metricFrame('pitower_kafka_partition_replica_in_sync', labels, [p.isr.includes(r) ? 1 : 0]));
      frames.push(metricFrame('pitower_kafka_partition_replica_leader', labels, [p.leader === r ? 1 : 0]));
      frames.push(metricFrame('pitower_kafka_partition_replica_preferred', labels, [k === 0 ? 1 : 0]));
    });
  }
  return frames;
}

/** kafka_exporter's series only (no per-replica placement). */
export function createKafkaExporterFrames(spec: ClusterSpec): DataFrame[] {
  const frames: DataFrame[] = [];
  for (let b = 1; b <= spec.brokers; b++) {
    frames.push(metricFrame('kafka_broker_info', { id: String(b), address: `pi${b}:9092` }, [1]));
  }
  for (const p of planCluster(spec)) {
    const base = { topic: p.topic, partition: String(p.partition) };
    frames.push(metricFrame('kafka_topic_partition_leader', base, [p.leader]));
    frames.push(metricFrame('kafka_topic_partition_replicas', base, [p.replicas.length]));
    frames.push(metricFrame('kafka_topic_partition_in_sync_replica', base, [p.isr.length]));
    frames.push(metricFrame('kafka_topic_partition_leader_is_preferred', base, [p.leader === p.replicas[0] ? 1 : 0]));
    frames.push(
      metricFrame('kafka_topic_partition_under_replicated_partition', base, [p.isr.length < p.replicas.length ? 1 : 0]),
    );
  }
  return frames;
}

/** Small cluster for screenshots: 3 topics on 6 brokers with every cell state present. */
export const SCREENSHOT_CLUSTER: ClusterSpec = {
  brokers: 6,
  topics: [
    { name: 'orders', partitions: 12 },
    { name: 'payments', partitions: 6 },
    { name: 'telemetry', partitions: 8 },
  ],
  replicationFactor: 3,
  notPreferredEvery: 5,
  outOfSyncEvery: 7,
  offline: ['payments/3'],
};

/** 6 brokers x 1,000 partitions for the render benchmark. */
export const BENCH_CLUSTER: ClusterSpec = {
  brokers: 6,
  topics: Array.from({ length: 10 }, (_, i) => ({ name: `topic-${String(i).padStart(2, '0')}`, partitions: 100 })),
  replicationFactor: 3,
  notPreferredEvery: 13,
  outOfSyncEvery: 17,
  offline: ['topic-03/42'],
};

/**
 * ISR history over 40 samples (10 minutes at 15 s): broker 3 drops out of orders/1 and orders/4 at
 * sample 10 and rejoins at 18; payments/2 loses broker 5 at 25 and stays out; payments/3 goes offline
 * from 30 to 34 (its ISR shrinks and its leader goes to none at 30, both come back at 35). The counters
 * count each change; replica_in_sync says who is out at each sample.
 */
export function createIsrFrames(): DataFrame[] {
  const n = 40;
  const frames: DataFrame[] = [];
  const inSync = (from: number, to: number) => Array.from({ length: n }, (_, i) => (i >= from && i < to ? 0 : 1));
  const counter = (steps: number[]) => Array.from({ length: n }, (_, i) => steps.filter((s) => i >= s).length);
  const level = (from: number, to: number) => Array.from({ length: n }, (_, i) => (i >= from && i < to ? 1 : 0));
  const partitions = [
    { topic: 'orders', partition: '1', broker: '3', out: [10, 18] },
    { topic: 'orders', partition: '4', broker: '3', out: [10, 18] },
    { topic: 'payments', partition: '2', broker: '5', out: [25, n] },
  ];
  for (const p of partitions) {
    const base = { topic: p.topic, partition: p.partition };
    frames.push(metricFrame('pitower_kafka_partition_replica_in_sync', { ...base, broker: p.broker }, inSync(p.out[0], p.out[1])));
    frames.push(metricFrame('pitower_kafka_partition_replica_in_sync', { ...base, broker: '1' }, inSync(0, 0)));
    frames.push(metricFrame('pitower_kafka_partition_isr_shrinks_total', base, counter([p.out[0]])));
    frames.push(metricFrame('pitower_kafka_partition_isr_expands_total', base, counter(p.out[1] < n ? [p.out[1]] : [])));
    frames.push(metricFrame('kafka_topic_partition_under_replicated_partition', base, level(p.out[0], p.out[1])));
  }
  const offlineBase = { topic: 'payments', partition: '3' };
  frames.push(metricFrame('pitower_kafka_partition_offline', offlineBase, level(30, 35)));
  frames.push(metricFrame('kafka_topic_partition_under_replicated_partition', offlineBase, level(30, 35)));
  frames.push(metricFrame('pitower_kafka_partition_isr_shrinks_total', offlineBase, counter([30])));
  frames.push(metricFrame('pitower_kafka_partition_isr_expands_total', offlineBase, counter([35])));
  for (const p of partitions) {
    frames.push(metricFrame('pitower_kafka_partition_leader_changes_total', { topic: p.topic, partition: p.partition }, counter([])));
  }
  frames.push(metricFrame('pitower_kafka_partition_leader_changes_total', offlineBase, counter([30, 35])));
  return frames;
}

export interface HostSpec {
  instance: string;
  role: string;
  cpu: number;
  io: number;
  temperature: number;
  throttled: number;
}

export const SCREENSHOT_HOSTS: HostSpec[] = [
  { instance: 'pi-producer:9100', role: 'producer', cpu: 0.41, io: 0.03, temperature: 52.1, throttled: 0 },
  { instance: 'pi-broker-1:9100', role: 'broker', cpu: 0.62, io: 0.31, temperature: 61.4, throttled: 0 },
  { instance: 'pi-broker-2:9100', role: 'broker', cpu: 0.97, io: 0.44, temperature: 71.8, throttled: 0 },
  { instance: 'pi-broker-3:9100', role: 'broker', cpu: 0.58, io: 0.29, temperature: 59.0, throttled: 0 },
  { instance: 'pi-db:9100', role: 'database', cpu: 0.35, io: 0.12, temperature: 83.2, throttled: 1 },
];

/** Host frames as the README's bottleneck queries return them (refIds cpu, io, temperature, throttled). */
export function createHostFrames(hosts: HostSpec[] = SCREENSHOT_HOSTS): DataFrame[] {
  const frames: DataFrame[] = [];
  for (const h of hosts) {
    const labels = { instance: h.instance, role: h.role };
    frames.push(seriesFrame('cpu', labels, [h.cpu, h.cpu, h.cpu]));
    frames.push(seriesFrame('io', labels, [h.io, h.io, h.io]));
    // the pitower exporter's port differs from node_exporter's: the panel joins them by host name
    const exporterLabels = { instance: h.instance.replace(/:\d+$/, ':9742'), role: h.role };
    frames.push(seriesFrame('temperature', exporterLabels, [h.temperature - 0.4, h.temperature, h.temperature + 0.4]));
    frames.push(seriesFrame('throttled', exporterLabels, [h.throttled, h.throttled, h.throttled]));
  }
  return frames;
}

/** The probe's latency buckets (exporter/src/kafka/probe.ts PROBE_BUCKETS), seconds. */
export const PROBE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface ProbeBrokerSpec {
  broker: number;
  /** Records that came back in the range, per bucket: upper bound (le) -> how many fell in that bucket. */
  latency: Record<number, number>;
  failed: number;
  lost: number;
}

/**
 * The end-to-end probe over the screenshots' 10 minutes (600 records per broker at one a second): brokers
 * 1, 2, 4 healthy (p99 50, 42.5, 24.1 ms), 3 slow (p99 425 ms: warning), 5 with 12 failed sends (p99
 * 31.6 ms of the 588 that came back), 6 with 2 records lost (p99 62.6 ms).
 */
export const SCREENSHOT_PROBE: ProbeBrokerSpec[] = [
  { broker: 1, latency: { 0.005: 30, 0.01: 240, 0.025: 300, 0.05: 24, 0.1: 6 }, failed: 0, lost: 0 },
  { broker: 2, latency: { 0.005: 60, 0.01: 300, 0.025: 220, 0.05: 20 }, failed: 0, lost: 0 },
  { broker: 3, latency: { 0.01: 100, 0.025: 300, 0.05: 100, 0.1: 50, 0.25: 30, 0.5: 20 }, failed: 0, lost: 0 },
  { broker: 4, latency: { 0.005: 100, 0.01: 400, 0.025: 100 }, failed: 0, lost: 0 },
  { broker: 5, latency: { 0.01: 300, 0.025: 280, 0.05: 8 }, failed: 12, lost: 0 },
  { broker: 6, latency: { 0.01: 200, 0.025: 350, 0.05: 40, 0.1: 8 }, failed: 0, lost: 2 },
];

/**
 * The probe series as the leadership panel's dashboard queries return them: instant
 * `sum by (broker, le) (increase(..._bucket[$__range]))` and `sum by (broker) (increase(..._total[$__range]))`,
 * so no `__name__`: the refIds carry the metric names.
 */
export function createProbeFrames(brokers: ProbeBrokerSpec[] = SCREENSHOT_PROBE): DataFrame[] {
  const frames: DataFrame[] = [];
  for (const b of brokers) {
    const broker = String(b.broker);
    let cumulative = 0;
    for (const le of [...PROBE_BUCKETS, Infinity]) {
      cumulative += b.latency[le] ?? 0;
      frames.push(seriesFrame('pitower_probe_end_to_end_latency_seconds_bucket', { broker, le: le === Infinity ? '+Inf' : String(le) }, [cumulative]));
    }
    frames.push(seriesFrame('pitower_probe_records_failed_total', { broker }, [b.failed]));
    frames.push(seriesFrame('pitower_probe_records_lost_total', { broker }, [b.lost]));
  }
  return frames;
}
