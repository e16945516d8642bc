import {
  BrokerColumn,
  CellState,
  LeadershipViewModel,
  PanelOptions,
  PartitionRow,
  Series,
  TopicGroup,
} from '../types';
import { compareIds, labelKey, lastValue, mergeReporters, pick } from './frames';
import { ProbeOptions, toProbeViewModel } from './to-probe-view-model';

export const NO_REPLICA_SERIES_NOTICE =
  'No per-replica series: is the pitower Kafka collector enabled? Showing kafka_exporter leaders and ISR counts only.';
export const NO_PARTITION_SERIES_NOTICE =
  'No Kafka partition series in the query results. Query pitower_kafka_partition_replica_in_sync and ' +
  'pitower_kafka_partition_replica_leader (pitower Kafka collector) or kafka_topic_partition_leader (kafka_exporter).';

type MetricOptions = Pick<
  PanelOptions,
  | 'replicaInSyncMetric'
  | 'replicaLeaderMetric'
  | 'replicaPreferredMetric'
  | 'partitionOfflineMetric'
  | 'brokerUpMetric'
  | 'brokerInfoMetric'
  | 'partitionLeaderMetric'
  | 'partitionReplicasMetric'
  | 'partitionInSyncReplicasMetric'
  | 'partitionLeaderIsPreferredMetric'
  | 'underReplicatedMetric'
  | 'topicFilter'
> &
  ProbeOptions;

interface ReplicaFacts {
  inSync?: number;
  leader?: number;
  preferred?: number;
}

interface PartitionFacts {
  topic: string;
  partition: string;
  replicas: Map<string, ReplicaFacts>;
  offline?: number;
  leaderId?: number;
  replicaCount?: number;
  inSyncCount?: number;
  leaderIsPreferred?: number;
  underReplicated?: number;
}

/**
 * Series -> the leadership grid.
 *
 * Worked examples (brokers 1,2,3; partition t/0 with replicas [1,2,3], preferred 1):
 * - leader 1, ISR {1,2,3}        -> cells [leader-preferred, in-sync, in-sync]
 * - leader 2, ISR {1,2}          -> cells [in-sync, leader, out-of-sync], under-replicated
 * - offline=1 (or leader = -1)   -> cells [offline, offline, offline], leader '-1'
 * - only kafka_exporter metrics  -> mode 'counts': the leader's cell is filled, the others 'none',
 *                                   replicas/in-sync from the count series
 * Duplicated series (two collectors scraping one cluster) are merged taking the maximum and reported
 * once in `warnings`; replicas on brokers that no broker series lists get a column marked unknown.
 * With the end-to-end probe's series, each broker column carries its probe cell (to-probe-view-model.ts).
 */
export function toLeadershipViewModel(input: Series[], options: MetricOptions): LeadershipViewModel {
  const warnings: string[] = [];
  // A cluster's series pass from exporter to exporter with the reporter lease: one series each over time.
  const { series, overlaps } = mergeReporters(input);
  if (overlaps > 0) {
    warnings.push(`${overlaps} series reported by two exporters at once (one run with --kafka.reporter=always?)`);
  }
  const filter = toTopicFilter(options.topicFilter, warnings);
  const partitions = new Map<string, PartitionFacts>();
  const duplicates = { count: 0 };

  const partitionOf = (labels: Record<string, string>): PartitionFacts | undefined => {
    const topic = labels.topic;
    const partition = labels.partition;
    if (topic === undefined || partition === undefined || (filter && !filter.test(topic))) {
      return undefined;
    }
    const key = `${topic}\u0000${partition}`;
    let p = partitions.get(key);
    if (!p) {
      p = { topic, partition, replicas: new Map() };
      partitions.set(key, p);
    }
    return p;
  };

  // per-replica facts
  const replicaMetric = (name: string, field: keyof ReplicaFacts) => {
    const seen = new Set<string>();
    for (const s of pick(series, name)) {
      const broker = s.labels.broker;
      const v = lastValue(s);
      if (broker === undefined || v === undefined) {
        continue;
      }
      const p = partitionOf(s.labels);
      if (!p) {
        continue;
      }
      const key = labelKey(s.labels, ['topic', 'partition', 'broker']);
      if (seen.has(key)) {
        duplicates.count++;
      }
      seen.add(key);
      const r = p.replicas.get(broker) ?? {};
      r[field] = Math.max(r[field] ?? -Infinity, v);
      p.replicas.set(broker, r);
    }
  };
  replicaMetric(options.replicaInSyncMetric, 'inSync');
  replicaMetric(options.replicaLeaderMetric, 'leader');
  replicaMetric(options.replicaPreferredMetric, 'preferred');

  // per-partition facts
  const partitionMetric = (name: string, field: Exclude<keyof PartitionFacts, 'topic' | 'partition' | 'replicas'>) => {
    const seen = new Set<string>();
    for (const s of pick(series, name)) {
      const v = lastValue(s);
      if (v === undefined) {
        continue;
      }
      const p = partitionOf(s.labels);
      if (!p) {
        continue;
      }
      const key = labelKey(s.labels, ['topic', 'partition']);
      if (seen.has(key)) {
        duplicates.count++;
        if (field === 'leaderId') {
          // two exporters disagreeing about the leader: an offline report wins, else the larger id
          p.leaderId = p.leaderId === -1 || v === -1 ? -1 : Math.max(p.leaderId ?? v, v);
          continue;
        }
      }
      seen.add(key);
      const prev = p[field];
      p[field] = field === 'leaderId' || prev === undefined ? v : Math.max(prev, v);
    }
  };
  partitionMetric(options.partitionOfflineMetric, 'offline');
  partitionMetric(options.partitionLeaderMetric, 'leaderId');
  partitionMetric(options.partitionReplicasMetric, 'replicaCount');
  partitionMetric(options.partitionInSyncReplicasMetric, 'inSyncCount');
  partitionMetric(options.partitionLeaderIsPreferredMetric, 'leaderIsPreferred');
  partitionMetric(options.underReplicatedMetric, 'underReplicated');

  if (duplicates.count > 0) {
    warnings.push(
      `${duplicates.count} duplicated series merged (are two collectors scraping the same cluster?)`,
    );
  }

  // brokers the cluster reports
  const listed = new Map<string, { address?: string; up?: boolean }>();
  for (const s of pick(series, options.brokerUpMetric)) {
    const id = s.labels.broker;
    if (id === undefined) {
      continue;
    }
    const v = lastValue(s);
    const prev = listed.get(id);
    listed.set(id, { address: s.labels.address ?? prev?.address, up: v === undefined ? prev?.up : v > 0 || prev?.up === true });
  }
  for (const s of pick(series, options.brokerInfoMetric)) {
    const id = s.labels.id ?? s.labels.broker;
    if (id === undefined) {
      continue;
    }
    const prev = listed.get(id);
    listed.set(id, { address: prev?.address ?? s.labels.address, up: prev?.up });
  }

  const hasReplicaSeries = [...partitions.values()].some((p) => p.replicas.size > 0);
  const hasCountSeries = [...partitions.values()].some(
    (p) => p.leaderId !== undefined || p.replicaCount !== undefined || p.inSyncCount !== undefined,
  );
  if (partitions.size === 0 || (!hasReplicaSeries && !hasCountSeries && ![...partitions.values()].some((p) => p.offline))) {
    return {
      mode: 'empty',
      brokers: [],
      topics: [],
      totals: { partitions: 0, offline: 0, underReplicated: 0, notPreferred: 0 },
      probe: false,
      warnings,
      notice: NO_PARTITION_SERIES_NOTICE,
    };
  }
  const mode = hasReplicaSeries ? 'replicas' : 'counts';

  // columns: listed brokers plus any broker a replica or leader points at
  const ids = new Set<string>(listed.keys());
  for (const p of partitions.values()) {
    p.replicas.forEach((_, b) => ids.add(b));
    if (mode === 'counts' && p.leaderId !== undefined && p.leaderId >= 0) {
      ids.add(String(p.leaderId));
    }
  }
  const brokerIds = [...ids].sort(compareIds);
  const unknown = listed.size > 0 ? brokerIds.filter((id) => !listed.has(id)) : [];
  if (unknown.length > 0) {
    warnings.push(`replicas on broker${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} that no broker series lists`);
  }
  const column = new Map(brokerIds.map((id, i) => [id, i]));
  const led = new Array<number>(brokerIds.length).fill(0);
  const replicaTotals = new Array<number>(brokerIds.length).fill(0);

  const rows: PartitionRow[] = [];
  let multiLeader = 0;
  for (const p of partitions.values()) {
    const row = mode === 'replicas' ? toReplicaRow(p, column, () => multiLeader++) : toCountsRow(p, column);
    row.cells.forEach((c, i) => {
      if (c !== 'none') {
        replicaTotals[i]++;
      }
      if (c === 'leader' || c === 'leader-preferred') {
        led[i]++;
      }
    });
    rows.push(row);
  }
  if (multiLeader > 0) {
    warnings.push(`${multiLeader} partition${multiLeader > 1 ? 's' : ''} reported with more than one leader`);
  }

  // the probe's series are each exporter's own (no reporter lease): the unmerged input
  const probe = toProbeViewModel(input, options);
  const probeCells = new Map((probe?.cells ?? []).map((c) => [c.broker, c]));
  const noColumn = [...probeCells.keys()].filter((id) => !column.has(id));
  if (noColumn.length > 0) {
    warnings.push(`probe series for broker${noColumn.length > 1 ? 's' : ''} ${noColumn.join(', ')}, which the grid has no column for`);
  }

  const ledTotal = led.reduce((a, b) => a + b, 0);
  const ideal = brokerIds.length > 0 ? ledTotal / brokerIds.length : 0;
  const brokers: BrokerColumn[] = brokerIds.map((id, i) => ({
    id,
    address: listed.get(id)?.address,
    up: listed.get(id)?.up,
    known: listed.size === 0 || listed.has(id),
    led: led[i],
    replicas: replicaTotals[i],
    skewPercent: ideal > 0 ? Math.round(((led[i] - ideal) / ideal) * 100) : 0,
    probe: probeCells.get(id),
  }));

  const byTopic = new Map<string, PartitionRow[]>();
  for (const row of rows) {
    const list = byTopic.get(row.topic) ?? [];
    list.push(row);
    byTopic.set(row.topic, list);
  }
  const topics: TopicGroup[] = [...byTopic]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a.partition - b.partition) }));

  return {
    mode,
    brokers,
    topics,
    totals: {
      partitions: rows.length,
      offline: rows.filter((r) => r.offline).length,
      underReplicated: rows.filter((r) => r.underReplicated).length,
      notPreferred: rows.filter((r) => r.preferredLeader === false && !r.offline).length,
    },
    probe: probe !== undefined,
    warnings,
    notice: mode === 'counts' ? NO_REPLICA_SERIES_NOTICE : undefined,
  };
}

function toReplicaRow(p: PartitionFacts, column: Map<string, number>, onMultiLeader: () => void): PartitionRow {
  const cells = new Array<CellState>(column.size).fill('none');
  const leaders = [...p.replicas.entries()].filter(([, r]) => r.leader === 1).map(([b]) => b);
  if (leaders.length > 1) {
    onMultiLeader();
  }
  const offline = p.offline === 1 || p.leaderId === -1;
  let leader: string | undefined = offline ? '-1' : leaders.sort(compareIds)[0];
  if (!offline && leader === undefined && p.leaderId !== undefined) {
    leader = String(p.leaderId);
  }
  let inSync = 0;
  for (const [broker, r] of p.replicas) {
    const i = column.get(broker);
    if (i === undefined) {
      throw new Error(`leadership view model: broker ${broker} of ${p.topic}/${p.partition} has no column`);
    }
    if (r.inSync === 1 || (r.inSync === undefined && broker === leader)) {
      inSync++;
    }
    if (offline) {
      cells[i] = 'offline';
    } else if (broker === leader) {
      cells[i] = r.preferred === 1 || (r.preferred === undefined && p.leaderIsPreferred === 1) ? 'leader-preferred' : 'leader';
    } else if (r.inSync === 1) {
      cells[i] = 'in-sync';
    } else if (r.inSync === 0) {
      cells[i] = 'out-of-sync';
    } else {
      cells[i] = 'unknown';
    }
  }
  const leaderFacts = leader !== undefined ? p.replicas.get(leader) : undefined;
  const anyPreferred = [...p.replicas.values()].some((r) => r.preferred !== undefined);
  let preferredLeader: boolean | undefined;
  if (!offline && leader !== undefined) {
    if (anyPreferred) {
      preferredLeader = leaderFacts?.preferred === 1;
    } else if (p.leaderIsPreferred !== undefined) {
      preferredLeader = p.leaderIsPreferred === 1;
    }
  }
  const replicas = p.replicas.size;
  return {
    topic: p.topic,
    partition: Number(p.partition),
    leader,
    offline,
    underReplicated: offline || inSync < replicas || p.underReplicated === 1,
    preferredLeader,
    replicas,
    inSync: offline ? 0 : inSync,
    cells,
  };
}

function toCountsRow(p: PartitionFacts, column: Map<string, number>): PartitionRow {
  const cells = new Array<CellState>(column.size).fill('none');
  const offline = p.offline === 1 || p.leaderId === -1;
  const leader = offline ? '-1' : p.leaderId !== undefined ? String(p.leaderId) : undefined;
  // a leader id below -1 is no broker and has no column
  const i = leader !== undefined && !offline ? column.get(leader) : undefined;
  if (i !== undefined) {
    cells[i] = p.leaderIsPreferred === 0 ? 'leader' : 'leader-preferred';
  }
  const replicas = p.replicaCount ?? 0;
  const inSync = offline ? 0 : (p.inSyncCount ?? replicas);
  return {
    topic: p.topic,
    partition: Number(p.partition),
    leader,
    offline,
    underReplicated: offline || p.underReplicated === 1 || inSync < replicas,
    preferredLeader: offline || p.leaderIsPreferred === undefined ? undefined : p.leaderIsPreferred === 1,
    replicas,
    inSync,
    cells,
  };
}

function toTopicFilter(pattern: string, warnings: string[]): RegExp | undefined {
  if (pattern.trim() === '') {
    return undefined;
  }
  try {
    return new RegExp(pattern);
  } catch {
    warnings.push(`topic filter /${pattern}/ is not a valid regular expression; showing every topic`);
    return undefined;
  }
}
