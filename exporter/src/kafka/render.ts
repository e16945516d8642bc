import { partitionKey, type PartitionCounters } from './diff';
import type { ClusterSnapshot, LogDirState, OffsetsSnapshot } from './snapshot';

/**
 * Pure rendering of snapshots into Prometheus text, one family at a time. The poller renders once per
 * poll; /metrics only concatenates the latest text (KafkaMetrics.exposition in metrics.ts), so a scrape costs the same
 * whatever Kafka is doing and however many partitions there are beyond copying the text.
 */
export interface RenderedFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** Sample lines joined by "\n", no trailing newline; "" when the family has no series. */
  body: string;
}

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/**
 * `families` with constant labels (--kafka.labels) first in every sample's label set:
 * `kafka_brokers 3` -> `kafka_brokers{cluster="lab"} 3`, `x{topic="t"} 1` -> `x{cluster="lab",topic="t"} 1`.
 */
export function withConstantLabels(families: RenderedFamily[], labels: ReadonlyArray<readonly [string, string]>): RenderedFamily[] {
  if (labels.length === 0) return families;
  const set = labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
  const label = (line: string): string => {
    const nameEnd = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0].length ?? 0;
    return line[nameEnd] === '{' ? `${line.slice(0, nameEnd + 1)}${set},${line.slice(nameEnd + 1)}` : `${line.slice(0, nameEnd)}{${set}}${line.slice(nameEnd)}`;
  };
  return families.map((f) => (f.body === '' ? f : { ...f, body: f.body.split('\n').map(label).join('\n') }));
}

function family(name: string, help: string, type: RenderedFamily['type'], lines: string[]): RenderedFamily {
  return { name, help, type, body: lines.join('\n') };
}

/** Metadata families: brokers, controller, per-partition and per-replica state, counters, cap. */
export function renderClusterFamilies(snapshot: ClusterSnapshot, counters: ReadonlyMap<string, PartitionCounters>): RenderedFamily[] {
  const brokers: string[] = [];
  const brokerInfo: string[] = [];
  const brokerUp: string[] = [];
  const led = new Map<number, number>();
  const preferredNotLeader = new Map<number, number>();
  for (const b of snapshot.brokers) brokerInfo.push(`kafka_broker_info{id="${b.id}",address="${escapeLabelValue(`${b.host}:${b.port}`)}"} 1`);
  // Listed brokers and those that left the metadata (down) alike: up 0/1, and they lead 0 partitions, not nothing.
  for (const b of [...snapshot.brokers, ...(snapshot.departedBrokers ?? [])].sort((x, y) => x.id - y.id)) {
    const address = escapeLabelValue(`${b.host}:${b.port}`);
    if (b.reachable !== undefined) brokerUp.push(`pitower_kafka_broker_up{broker="${b.id}",address="${address}"} ${b.reachable ? 1 : 0}`);
    led.set(b.id, 0);
    preferredNotLeader.set(b.id, 0);
  }
  brokers.push(`kafka_brokers ${snapshot.brokers.length}`);

  const topicPartitions: string[] = [];
  const leader: string[] = [];
  const replicas: string[] = [];
  const inSync: string[] = [];
  const isPreferred: string[] = [];
  const underReplicated: string[] = [];
  const replicaInSync: string[] = [];
  const replicaLeader: string[] = [];
  const replicaPreferred: string[] = [];
  const offline: string[] = [];
  const underMinIsr: string[] = [];
  const shrinks: string[] = [];
  const expands: string[] = [];
  const leaderChanges: string[] = [];

  for (const t of snapshot.topics) {
    const topic = escapeLabelValue(t.name);
    topicPartitions.push(`kafka_topic_partitions{topic="${topic}"} ${t.partitions.length}`);
    for (const p of t.partitions) {
      const tp = `topic="${topic}",partition="${p.partition}"`;
      const preferred = p.replicas.length > 0 ? p.replicas[0] : -1;
      const isr = new Set(p.isr);
      leader.push(`kafka_topic_partition_leader{${tp}} ${p.leader}`);
      replicas.push(`kafka_topic_partition_replicas{${tp}} ${p.replicas.length}`);
      inSync.push(`kafka_topic_partition_in_sync_replica{${tp}} ${p.isr.length}`);
      isPreferred.push(`kafka_topic_partition_leader_is_preferred{${tp}} ${p.leader !== -1 && p.leader === preferred ? 1 : 0}`);
      underReplicated.push(`kafka_topic_partition_under_replicated_partition{${tp}} ${p.isr.length < p.replicas.length ? 1 : 0}`);
      offline.push(`pitower_kafka_partition_offline{${tp}} ${p.leader === -1 ? 1 : 0}`);
      underMinIsr.push(`pitower_kafka_partition_under_min_isr{${tp}} ${p.isr.length < p.minIsr ? 1 : 0}`);
      for (const id of p.replicas) {
        // A broker that is down has left the metadata but not the assignments: it leads 0, not nothing.
        if (!led.has(id)) led.set(id, 0);
        if (!preferredNotLeader.has(id)) preferredNotLeader.set(id, 0);
        const tpb = `${tp},broker="${id}"`;
        replicaInSync.push(`pitower_kafka_partition_replica_in_sync{${tpb}} ${isr.has(id) ? 1 : 0}`);
        replicaLeader.push(`pitower_kafka_partition_replica_leader{${tpb}} ${id === p.leader ? 1 : 0}`);
        replicaPreferred.push(`pitower_kafka_partition_replica_preferred{${tpb}} ${id === preferred ? 1 : 0}`);
      }
      if (p.leader !== -1) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
      if (preferred !== -1 && p.leader !== preferred) preferredNotLeader.set(preferred, (preferredNotLeader.get(preferred) ?? 0) + 1);
      const c = counters.get(partitionKey(p.topic, p.partition));
      shrinks.push(`pitower_kafka_partition_isr_shrinks_total{${tp}} ${c?.isrShrinks ?? 0}`);
      expands.push(`pitower_kafka_partition_isr_expands_total{${tp}} ${c?.isrExpands ?? 0}`);
      leaderChanges.push(`pitower_kafka_partition_leader_changes_total{${tp}} ${c?.leaderChanges ?? 0}`);
    }
  }
  const perBroker = (name: string, map: Map<number, number>): string[] =>
    [...map.entries()].sort((a, b) => a[0] - b[0]).map(([id, n]) => `${name}{broker="${id}"} ${n}`);

  return [
    family('kafka_brokers', 'Number of brokers in the cluster metadata.', 'gauge', brokers),
    family('kafka_broker_info', 'Broker id and advertised address; always 1.', 'gauge', brokerInfo),
    family('pitower_kafka_broker_up', 'Whether the broker answered an ApiVersions probe on the last metadata poll.', 'gauge', brokerUp),
    family('pitower_kafka_controller_id', 'Broker id of the active controller; -1 when unknown.', 'gauge', [`pitower_kafka_controller_id ${snapshot.controllerId}`]),
    family('kafka_topic_partitions', 'Number of partitions of the topic.', 'gauge', topicPartitions),
    family('kafka_topic_partition_leader', 'Broker id of the partition leader; -1 when the partition has no leader (offline).', 'gauge', leader),
    family('kafka_topic_partition_replicas', 'Number of assigned replicas of the partition.', 'gauge', replicas),
    family('kafka_topic_partition_in_sync_replica', 'Number of in-sync replicas of the partition.', 'gauge', inSync),
    family('kafka_topic_partition_leader_is_preferred', 'Whether the partition is led by its preferred (first assigned) replica.', 'gauge', isPreferred),
    family('kafka_topic_partition_under_replicated_partition', 'Whether the partition has fewer in-sync replicas than assigned replicas.', 'gauge', underReplicated),
    family('pitower_kafka_partition_replica_in_sync', 'Whether this assigned replica of the partition is in the ISR.', 'gauge', replicaInSync),
    family('pitower_kafka_partition_replica_leader', 'Whether this assigned replica leads the partition.', 'gauge', replicaLeader),
    family('pitower_kafka_partition_replica_preferred', 'Whether this replica is the preferred leader (first in the assignment).', 'gauge', replicaPreferred),
    family('pitower_kafka_partition_offline', 'Whether the partition has no leader.', 'gauge', offline),
    family('pitower_kafka_partition_under_min_isr', 'Whether the ISR is smaller than min.insync.replicas (acks=all writes fail).', 'gauge', underMinIsr),
    family('pitower_kafka_partition_isr_shrinks_total', 'ISR shrinks observed between consecutive metadata polls.', 'counter', shrinks),
    family('pitower_kafka_partition_isr_expands_total', 'ISR expansions observed between consecutive metadata polls.', 'counter', expands),
    family('pitower_kafka_partition_leader_changes_total', 'Leader changes (including to and from no leader) observed between consecutive metadata polls.', 'counter', leaderChanges),
    family('pitower_kafka_broker_partitions_led', 'Number of partitions the broker leads.', 'gauge', perBroker('pitower_kafka_broker_partitions_led', led)),
    family(
      'pitower_kafka_broker_preferred_not_leader_partitions',
      'Number of partitions for which the broker is the preferred leader but does not lead.',
      'gauge',
      perBroker('pitower_kafka_broker_preferred_not_leader_partitions', preferredNotLeader),
    ),
    family('pitower_kafka_partitions_dropped', 'Partitions left out of the metrics by --kafka.max-partitions.', 'gauge', [`pitower_kafka_partitions_dropped ${snapshot.droppedPartitions}`]),
  ];
}

/** Offset and consumer-group families. `clamped` holds the running clamped-lag counts per group. */
export function renderOffsetFamilies(snapshot: OffsetsSnapshot, clamped: ReadonlyMap<string, number>): RenderedFamily[] {
  const current: string[] = [];
  const oldest: string[] = [];
  for (const p of snapshot.partitions) {
    const tp = `topic="${escapeLabelValue(p.topic)}",partition="${p.partition}"`;
    current.push(`kafka_topic_partition_current_offset{${tp}} ${p.high}`);
    oldest.push(`kafka_topic_partition_oldest_offset{${tp}} ${p.low}`);
  }
  const groupOffset: string[] = [];
  const groupLag: string[] = [];
  const offsetSum: string[] = [];
  const lagSum: string[] = [];
  const members: string[] = [];
  const lagSeconds: string[] = [];
  const lagMillis: string[] = [];
  for (const g of snapshot.groups) {
    const group = escapeLabelValue(g.id);
    if (g.members !== undefined) members.push(`kafka_consumergroup_members{consumergroup="${group}"} ${g.members}`);
    // Per topic, as kafka_exporter sums them: committed offsets including the -1 of uncommitted partitions,
    // lag over the committed ones only. Offsets are sorted by topic, so a topic's partitions are adjacent.
    let topic: string | undefined;
    let sums = { offset: 0, lag: 0 };
    const flush = (): void => {
      if (topic === undefined) return;
      const labels = `consumergroup="${group}",topic="${escapeLabelValue(topic)}"`;
      offsetSum.push(`kafka_consumergroup_current_offset_sum{${labels}} ${sums.offset}`);
      lagSum.push(`kafka_consumergroup_lag_sum{${labels}} ${sums.lag}`);
    };
    for (const o of g.offsets) {
      if (o.topic !== topic) {
        flush();
        topic = o.topic;
        sums = { offset: 0, lag: 0 };
      }
      const labels = `consumergroup="${group}",topic="${escapeLabelValue(o.topic)}",partition="${o.partition}"`;
      groupOffset.push(`kafka_consumergroup_current_offset{${labels}} ${o.committed}`);
      sums.offset += o.committed;
      if (o.lag !== undefined) groupLag.push(`kafka_consumergroup_lag{${labels}} ${o.lag}`);
      if (o.lagSeconds !== undefined) {
        lagSeconds.push(`kafka_consumergroup_lag_seconds{${labels}} ${o.lagSeconds}`);
        lagMillis.push(`kafka_consumer_lag_millis{${labels}} ${Math.round(o.lagSeconds * 1000)}`);
      }
      if (o.lag !== undefined && o.committed >= 0) sums.lag += o.lag;
    }
    flush();
  }
  const clampedLines = [...clamped.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([id, n]) => `pitower_kafka_consumergroup_lag_clamped_total{consumergroup="${escapeLabelValue(id)}"} ${n}`);
  return [
    family('kafka_topic_partition_current_offset', 'High watermark (next offset to be written) of the partition.', 'gauge', current),
    family('kafka_topic_partition_oldest_offset', 'Oldest offset (log start) of the partition.', 'gauge', oldest),
    family('kafka_consumergroup_current_offset', 'Committed offset of the consumer group for the partition; -1 when the group committed other partitions of the topic but not this one.', 'gauge', groupOffset),
    family('kafka_consumergroup_current_offset_sum', 'Sum of kafka_consumergroup_current_offset over the topic (the -1 of uncommitted partitions included, as kafka_exporter sums).', 'gauge', offsetSum),
    family('kafka_consumergroup_lag', 'High watermark minus committed offset, never negative; -1 for a partition of a consumed topic without a commit.', 'gauge', groupLag),
    family('kafka_consumergroup_lag_sum', 'Sum of kafka_consumergroup_lag over the committed partitions of the topic.', 'gauge', lagSum),
    family('kafka_consumergroup_members', 'Number of members of the consumer group.', 'gauge', members),
    family(
      'kafka_consumergroup_lag_seconds',
      'Lag in time: timestamp of the newest record minus that of the record at the committed offset (the next the group reads), seconds; 0 with no lag.',
      'gauge',
      lagSeconds,
    ),
    family('kafka_consumer_lag_millis', 'kafka_consumergroup_lag_seconds in milliseconds, under the name some hosted Kafka dashboards query.', 'gauge', lagMillis),
    family('pitower_kafka_consumergroup_lag_clamped_total', 'Negative lags (high watermark sampled before the commit) clamped to 0.', 'counter', clampedLines),
    ...renderLogDirFamilies(snapshot.logDirs ?? []),
  ];
}

/**
 * DescribeLogDirs: per broker and log dir, whether it is online and the bytes of every replica in it (the
 * dir total over all its replicas, the per-partition sizes only for the topics the collector keeps).
 */
export function renderLogDirFamilies(dirs: readonly LogDirState[]): RenderedFamily[] {
  const online: string[] = [];
  const total: string[] = [];
  const sizes: string[] = [];
  for (const d of [...dirs].sort((a, b) => a.broker - b.broker || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const dir = `broker="${d.broker}",log_dir="${escapeLabelValue(d.path)}"`;
    online.push(`pitower_kafka_log_dir_online{${dir}} ${d.errorCode === 0 ? 1 : 0}`);
    total.push(`pitower_kafka_log_dir_size_bytes{${dir}} ${d.totalBytes}`);
    for (const r of d.replicas) {
      sizes.push(`pitower_kafka_log_dir_partition_size_bytes{${dir},topic="${escapeLabelValue(r.topic)}",partition="${r.partition}"${r.isFuture ? ',future="true"' : ''}} ${r.sizeBytes}`);
    }
  }
  return [
    family('pitower_kafka_log_dir_online', 'Whether the broker reports this log dir online (DescribeLogDirs error 0); 0: KAFKA_STORAGE_ERROR or another error.', 'gauge', online),
    family('pitower_kafka_log_dir_size_bytes', 'Bytes of every partition replica in the log dir, as the broker reports them (DescribeLogDirs).', 'gauge', total),
    family('pitower_kafka_log_dir_partition_size_bytes', "Bytes of the partition replica in the broker's log dir (DescribeLogDirs); future=\"true\" while it is being moved in.", 'gauge', sizes),
  ];
}

/** Next running clamped-lag counts: previous plus this snapshot's clamped partitions per group. */
export function toClampedCounts(previous: ReadonlyMap<string, number>, snapshot: OffsetsSnapshot): Map<string, number> {
  const out = new Map(previous);
  for (const g of snapshot.groups) {
    const n = g.offsets.filter((o) => o.clamped).length;
    out.set(g.id, (out.get(g.id) ?? 0) + n);
  }
  return out;
}
