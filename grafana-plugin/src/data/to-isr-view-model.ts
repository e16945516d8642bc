import { IsrBucket, IsrEvent, IsrPartitionSummary, IsrViewModel, PanelOptions, Series } from '../types';
import { compareIds, labelKey, mergeReporters, pick, REPORTER_LABELS } from './frames';

export const NO_ISR_SERIES_NOTICE =
  'No ISR series in the query results. Query pitower_kafka_partition_isr_shrinks_total and ' +
  'pitower_kafka_partition_isr_expands_total (or pitower_kafka_partition_replica_in_sync over the range) ' +
  'and kafka_topic_partition_under_replicated_partition.';

type IsrOptions = Pick<
  PanelOptions,
  | 'replicaInSyncMetric'
  | 'isrShrinksMetric'
  | 'isrExpandsMetric'
  | 'underReplicatedMetric'
  | 'partitionOfflineMetric'
  | 'underMinIsrMetric'
  | 'topicFilter'
>;

/**
 * Range series -> the ISR timeline and the partitions involved.
 *
 * Worked examples (samples every 15 s):
 * - replica_in_sync{t,0,broker=3}: 1 1 0 0 1 -> shrink of broker 3 at the 3rd sample, expand at the 5th
 * - isr_shrinks_total{t,0}: 4 4 5 5 0 2     -> +1 at the 3rd sample, counter reset, +2 at the 6th
 * - under_replicated{t,0}: 0 1 1 0           -> bucket counts 0 1 1 0, 30 s under-replicated
 * Bucket shrink/expand counts come from the counters when present (they also see changes between two
 * samples), else from the per-replica transitions. Events name the broker only when the per-replica
 * series exist.
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
  const shrinks = dedupe(pick(input, options.isrShrinksMetric), counterLabels);
  const expands = dedupe(pick(input, options.isrExpandsMetric), counterLabels);
  const urp = dedupe(pick(series, options.underReplicatedMetric), partitionLabels);
  const offline = dedupe(pick(series, options.partitionOfflineMetric), partitionLabels);
  const underMin = dedupe(pick(series, options.underMinIsrMetric), partitionLabels);

  const all = [...replicas, ...shrinks, ...expands, ...urp, ...offline, ...underMin];
  if (all.length === 0) {
    return {
      mode: 'empty',
      buckets: [],
      events: [],
      partitions: [],
      totals: { shrinks: 0, expands: 0, maxUnderReplicated: 0, maxOffline: 0 },
      warnings,
      notice: NO_ISR_SERIES_NOTICE,
    };
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

  const events: IsrEvent[] = [];
  // per-replica transitions
  for (const s of replicas) {
    let prev: number | null = null;
    s.values.forEach((v, i) => {
      if (v === null) {
        return;
      }
      if (prev !== null && v !== prev) {
        const kind = v < prev ? 'shrink' : 'expand';
        const time = s.times[i];
        events.push({ time, topic: s.labels.topic, partition: Number(s.labels.partition), broker: s.labels.broker, kind, count: 1 });
        const p = summaryOf(s, time);
        if (!p.brokers.includes(s.labels.broker)) {
          p.brokers.push(s.labels.broker);
          p.brokers.sort(compareIds);
        }
      }
      prev = v;
    });
  }
  const countersPresent = shrinks.length + expands.length > 0;
  if (countersPresent) {
    const fromCounters = (list: Series[], kind: 'shrink' | 'expand') => {
      for (const s of list) {
        for (const [i, inc] of increases(s)) {
          const time = s.times[i];
          bucketAt(time)[kind === 'shrink' ? 'shrinks' : 'expands'] += inc;
          const p = summaryOf(s, time);
          p[kind === 'shrink' ? 'shrinks' : 'expands'] += inc;
          if (replicas.length === 0) {
            events.push({ time, topic: s.labels.topic, partition: Number(s.labels.partition), kind, count: inc });
          }
        }
      }
    };
    fromCounters(shrinks, 'shrink');
    fromCounters(expands, 'expand');
  } else {
    for (const e of events) {
      bucketAt(e.time)[e.kind === 'shrink' ? 'shrinks' : 'expands'] += e.count;
      // each event was recorded together with its partition's summary (summaryOf above)
      const key = labelKey({ topic: e.topic, partition: String(e.partition) }, partitionLabels);
      const summary = summaries.get(key);
      if (!summary) {
        throw new Error(`ISR view model: no summary for ${e.topic}/${e.partition}`);
      }
      summary[e.kind === 'shrink' ? 'shrinks' : 'expands'] += e.count;
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

  events.sort((a, b) => b.time - a.time || a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const partitions = [...summaries.values()].sort(
    (a, b) => b.lastTime - a.lastTime || a.topic.localeCompare(b.topic) || a.partition - b.partition,
  );
  return {
    mode: replicas.length > 0 ? 'replicas' : 'counters',
    buckets,
    events,
    partitions,
    totals: {
      shrinks: buckets.reduce((a, b) => a + b.shrinks, 0),
      expands: buckets.reduce((a, b) => a + b.expands, 0),
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
