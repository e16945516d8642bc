import { IsrBucket, IsrCounts, IsrEvent, IsrEventKind, IsrPartitionSummary, IsrViewModel, PanelOptions, Series } from '../types';
import { compareIds, labelKey, mergeReporters, pick, REPORTER_LABELS } from './frames';

export const NO_ISR_SERIES_NOTICE =
  'No ISR series in the query results. Query the counters pitower_kafka_partition_isr_shrinks_total, ' +
  'pitower_kafka_partition_isr_expands_total and pitower_kafka_partition_leader_changes_total over the range, ' +
  'kafka_topic_partition_under_replicated_partition, and pitower_kafka_partition_replica_in_sync to name the ' +
  'brokers out of the ISR.';

type CounterOption = 'isrShrinksMetric' | 'isrExpandsMetric' | 'leaderChangesMetric';
type IsrOptions = Pick<
  PanelOptions,
  CounterOption | 'replicaInSyncMetric' | 'underReplicatedMetric' | 'partitionOfflineMetric' | 'underMinIsrMetric' | 'topicFilter'
>;

/** The exporter's change counters (kafka/diff.ts counts them per metadata poll): one event kind each. */
const COUNTERS: ReadonlyArray<{ kind: IsrEventKind; field: keyof IsrCounts; option: CounterOption; what: string }> = [
  { kind: 'shrink', field: 'shrinks', option: 'isrShrinksMetric', what: 'ISR shrinks' },
  { kind: 'expand', field: 'expands', option: 'isrExpandsMetric', what: 'ISR expands' },
  { kind: 'leader-change', field: 'leaderChanges', option: 'leaderChangesMetric', what: 'leader changes' },
];

/**
 * Range series -> the ISR timeline and the partitions involved.
 *
 * ISR events are the exporter's: every shrink, expand and leader change is an increase of its counter
 * (kafka/diff.ts works the transitions out once, between metadata polls, so it also sees changes that
 * come and go between two samples). The per-replica gauge is only read as a level, at a sample.
 *
 * Worked examples (samples every 15 s):
 * - isr_shrinks_total{t,0}: 4 4 5 5 0 2       -> shrink +1 at the 3rd sample, counter reset, +2 at the 6th
 * - leader_changes_total{t,0}: 0 0 1 1 3      -> leader change +1 at the 3rd sample, +2 at the 5th
 * - isr_shrinks_total{t,0}: 0 0 1 1 1 with
 *   replica_in_sync{t,0,broker=3}: 1 1 0 0 1  -> the shrink at the 3rd sample names broker 3 (out of the
 *                                                ISR at that sample); broker 3 is out in the partition row
 * - replica_in_sync{t,0,broker=3}: 1 0 1, counters flat -> no event (a flip is not an event; the counters
 *                                                say whether the ISR changed)
 * - under_replicated{t,0}: 0 1 1 0            -> bucket counts 0 1 1 0, 30 s under-replicated
 */
export function toIsrViewModel(input: Series[], options: IsrOptions): IsrViewModel {
  const warnings: string[] = [];
  // A cluster's series pass from exporter to exporter with the reporter lease: one series each over time.
  const { series, overlaps } = mergeReporters(input);
  if (overlaps > 0) {
    warnings.push(`${overlaps} series reported by two exporters at once (one run with --kafka.reporter=always?)`);
  }
  let filter: RegExp | undefined;
  if (options.topicFilter.trim() !== '') {
    try {
      filter = new RegExp(options.topicFilter);
    } catch {
      warnings.push(`topic filter /${options.topicFilter}/ is not a valid regular expression; showing every topic`);
    }
  }
  const keep = (s: Series) =>
    s.labels.topic !== undefined && s.labels.partition !== undefined && (!filter || filter.test(s.labels.topic));
  const dedupe = (list: Series[], names: string[]): Series[] => {
    const seen = new Map<string, Series>();
    let dup = 0;
    for (const s of list.filter(keep)) {
      const key = labelKey(s.labels, names);
      if (seen.has(key)) {
        dup++;
        continue;
      }
      seen.set(key, s);
    }
    if (dup > 0) {
      warnings.push(`${dup} duplicated series ignored (are two collectors scraping the same cluster?)`);
    }
    return [...seen.values()];
  };
  const partitionLabels = ['topic', 'partition'];
  const replicas = dedupe(pick(series, options.replicaInSyncMetric), ['topic', 'partition', 'broker']).filter(
    (s) => s.labels.broker !== undefined,
  );
  // Counters stay one series per reporting exporter: each exporter's counter has its own base (it counted
  // since its own start), so their increases add up where spliced values would jump at a hand-over.
  const counterLabels = [...partitionLabels, ...REPORTER_LABELS];
  const counters = COUNTERS.map((c) => ({ ...c, series: dedupe(pick(input, options[c.option]), counterLabels) }));
  const urp = dedupe(pick(series, options.underReplicatedMetric), partitionLabels);
  const offline = dedupe(pick(series, options.partitionOfflineMetric), partitionLabels);
  const underMin = dedupe(pick(series, options.underMinIsrMetric), partitionLabels);

  const all = [...replicas, ...counters.flatMap((c) => c.series), ...urp, ...offline, ...underMin];
  if (all.length === 0) {
    return {
      mode: 'empty',
      brokersKnown: false,
      buckets: [],
      events: [],
      partitions: [],
      totals: { shrinks: 0, expands: 0, leaderChanges: 0, maxUnderReplicated: 0, maxOffline: 0 },
      warnings,
      notice: NO_ISR_SERIES_NOTICE,
    };
  }
  for (const c of counters) {
    if (c.series.length === 0 && options[c.option].trim() !== '') {
      warnings.push(`no ${options[c.option]} series in the query results: ${c.what} are not counted`);
    }
  }

  const timeSet = new Set<number>();
  for (const s of all) {
    s.times.forEach((t) => timeSet.add(t));
  }
  const times = [...timeSet].sort((a, b) => a - b);
  const step = medianStep(times);
  const buckets: IsrBucket[] = times.map((time) => ({
    time,
    shrinks: 0,
    expands: 0,
    leaderChanges: 0,
    underReplicated: 0,
    offline: 0,
    underMinIsr: 0,
  }));
  const bucketByTime = new Map(buckets.map((b) => [b.time, b]));
  // every sample time of every series is in `times`, so each has its bucket
  const bucketAt = (time: number): IsrBucket => {
    const bucket = bucketByTime.get(time);
    if (!bucket) {
      throw new Error(`ISR view model: no bucket for sample time ${time}`);
    }
    return bucket;
  };

  const summaries = new Map<string, IsrPartitionSummary>();
  const summaryOf = (s: Series, time: number): IsrPartitionSummary => {
    const key = labelKey(s.labels, partitionLabels);
    let p = summaries.get(key);
    if (!p) {
      p = {
        topic: s.labels.topic,
        partition: Number(s.labels.partition),
        shrinks: 0,
        expands: 0,
        leaderChanges: 0,
        underReplicatedSeconds: 0,
        offlineSeconds: 0,
        firstTime: time,
        lastTime: time,
        brokers: [],
      };
      summaries.set(key, p);
    }
    p.firstTime = Math.min(p.firstTime, time);
    p.lastTime = Math.max(p.lastTime, time);
    return p;
  };

  // per-replica levels: who is out of the ISR at each sample (a state at a time, never a transition)
  const outOfIsr = new Map<string, string[]>();
  const sampleKey = (s: Series, time: number) => `${labelKey(s.labels, partitionLabels)}\u0001${time}`;
  for (const s of replicas) {
    s.values.forEach((v, i) => {
      if (v !== 0) {
        return;
      }
      const time = s.times[i];
      const key = sampleKey(s, time);
      outOfIsr.set(key, [...(outOfIsr.get(key) ?? []), s.labels.broker].sort(compareIds));
      const p = summaryOf(s, time);
      if (!p.brokers.includes(s.labels.broker)) {
        p.brokers = [...p.brokers, s.labels.broker].sort(compareIds);
      }
    });
  }

  // the exporter's counters: every increase is an event, counted in its bucket and its partition
  const events: IsrEvent[] = [];
  for (const c of counters) {
    for (const s of c.series) {
      for (const [i, count] of increases(s)) {
        const time = s.times[i];
        bucketAt(time)[c.field] += count;
        summaryOf(s, time)[c.field] += count;
        const brokers = c.kind === 'shrink' ? (outOfIsr.get(sampleKey(s, time)) ?? []) : [];
        events.push({ time, topic: s.labels.topic, partition: Number(s.labels.partition), kind: c.kind, count, brokers });
      }
    }
  }

  // level series: counts per bucket and seconds per partition
  const level = (list: Series[], field: 'underReplicated' | 'offline' | 'underMinIsr') => {
    for (const s of list) {
      s.values.forEach((v, i) => {
        if (v === null || v <= 0) {
          return;
        }
        const time = s.times[i];
        bucketAt(time)[field] += 1;
        const p = summaryOf(s, time);
        const next = s.times[i + 1];
        const seconds = (next !== undefined ? next - time : step) / 1000;
        if (field === 'underReplicated') {
          p.underReplicatedSeconds += seconds;
        } else if (field === 'offline') {
          p.offlineSeconds += seconds;
        }
      });
    }
  };
  level(urp, 'underReplicated');
  level(offline, 'offline');
  level(underMin, 'underMinIsr');

  // newest first; at one sample and partition, the kinds in COUNTERS order (the sort is stable)
  events.sort((a, b) => b.time - a.time || a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const partitions = [...summaries.values()].sort(
    (a, b) => b.lastTime - a.lastTime || a.topic.localeCompare(b.topic) || a.partition - b.partition,
  );
  const sum = (field: keyof IsrCounts) => buckets.reduce((a, b) => a + b[field], 0);
  return {
    mode: 'counters',
    brokersKnown: replicas.length > 0,
    buckets,
    events,
    partitions,
    totals: {
      shrinks: sum('shrinks'),
      expands: sum('expands'),
      leaderChanges: sum('leaderChanges'),
      maxUnderReplicated: buckets.reduce((a, b) => Math.max(a, b.underReplicated), 0),
      maxOffline: buckets.reduce((a, b) => Math.max(a, b.offline), 0),
    },
    warnings,
  };
}

/** Counter increases between consecutive non-null samples as [sample index, increase]; a drop is a reset. */
export function increases(s: Series): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let prev: number | null = null;
  s.values.forEach((v, i) => {
    if (v === null) {
      return;
    }
    if (prev !== null) {
      const inc = v >= prev ? v - prev : v;
      if (inc > 0) {
        out.push([i, inc]);
      }
    }
    prev = v;
  });
  return out;
}

function medianStep(times: number[]): number {
  if (times.length < 2) {
    return 0;
  }
  const steps = times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)];
}
