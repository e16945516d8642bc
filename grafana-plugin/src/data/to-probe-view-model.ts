import { PanelOptions, ProbeCell, Series } from '../types';
import { compareIds, pick } from './frames';
import { toLevel, toWorstLevel } from './levels';

export type ProbeOptions = Pick<
  PanelOptions,
  'probeLatencyMetric' | 'probeFailedMetric' | 'probeLostMetric' | 'probeLatencyWarnSeconds' | 'probeLatencyCriticalSeconds'
>;

export interface ProbeViewModel {
  /** One cell per broker that a probe series names (`broker` = the partition's leader at the send), by id. */
  cells: ProbeCell[];
}

/** The quantile the broker headers show. */
export const PROBE_QUANTILE = 0.99;

/**
 * Series -> the end-to-end probe's health per broker over the time range, or undefined when the results
 * hold no probe series at all (the leadership view then has no probe row).
 *
 * Every series is first turned into a count over the range (toRangeCount): the dashboard queries
 * `increase(...[$__range])` instant, one sample per series; a range query of the raw counters works too.
 * Series are then summed per broker over instances (several probing exporters) and partitions (a broker
 * that led several probe partitions in the range), the latency buckets per broker and `le`.
 *
 * Worked examples (thresholds 0.25 s / 1 s):
 * - buckets le 0.01: 50, 0.05: 99, +Inf: 100     -> rank 99 is the top of (0.01, 0.05]: p99 0.05 s, ok
 * - buckets le 0.5: 0, 1: 90, 2.5: 100, +Inf: 100 -> p99 = 1 + 1.5 * (99 - 90) / 10 = 2.35 s, critical
 * - no record came back (all buckets 0)         -> p99 undefined, latency ok (the failed sends say why)
 * - failed 3                                    -> failed warn; lost 1 -> lost critical, the cell critical
 */
export function toProbeViewModel(series: Series[], options: ProbeOptions): ProbeViewModel | undefined {
  const latency = pick(series, options.probeLatencyMetric);
  const failed = pick(series, options.probeFailedMetric);
  const lost = pick(series, options.probeLostMetric);
  if (latency.length + failed.length + lost.length === 0) {
    return undefined;
  }
  const buckets = new Map<string, Map<number, number>>();
  for (const s of latency) {
    const broker = s.labels.broker;
    const le = toUpperBound(s.labels.le);
    const count = toRangeCount(s);
    if (broker === undefined || le === undefined || count === undefined) {
      continue;
    }
    const perLe = buckets.get(broker) ?? new Map<number, number>();
    perLe.set(le, (perLe.get(le) ?? 0) + count);
    buckets.set(broker, perLe);
  }
  const failedBy = sumByBroker(failed);
  const lostBy = sumByBroker(lost);
  const brokers = [...new Set([...buckets.keys(), ...failedBy.keys(), ...lostBy.keys()])].sort(compareIds);
  const cells = brokers.map((broker): ProbeCell => {
    const histogram = [...(buckets.get(broker) ?? new Map<number, number>())].map(([le, count]) => ({ le, count }));
    const p99Seconds = toHistogramQuantile(PROBE_QUANTILE, histogram);
    const f = Math.round(failedBy.get(broker) ?? 0);
    const l = Math.round(lostBy.get(broker) ?? 0);
    const latencyLevel = toLevel(p99Seconds, options.probeLatencyWarnSeconds, options.probeLatencyCriticalSeconds);
    const failedLevel = f > 0 ? 'warn' : 'ok';
    const lostLevel = l > 0 ? 'critical' : 'ok';
    return {
      broker,
      p99Seconds,
      received: Math.round(histogram.find((b) => b.le === Infinity)?.count ?? 0),
      failed: f,
      lost: l,
      latencyLevel,
      failedLevel,
      lostLevel,
      level: toWorstLevel([latencyLevel, failedLevel, lostLevel]),
    };
  });
  return { cells };
}

function sumByBroker(series: Series[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    const count = toRangeCount(s);
    if (s.labels.broker !== undefined && count !== undefined) {
      out.set(s.labels.broker, (out.get(s.labels.broker) ?? 0) + count);
    }
  }
  return out;
}

/**
 * What a counter series counts over the range: one sample is read as the count itself (an instant
 * `increase(...[$__range])`); several as the raw counter, whose increase is the sum of its rises, a drop
 * being a reset after which the counter counts again from 0 (as Prometheus's increase() treats it).
 * Undefined without a value.
 *
 *   [42]           -> 42
 *   [5, 7, 7, 9]   -> 4
 *   [5, 7, 2, 3]   -> 2 + 2 + 1 = 5  (reset after 7)
 */
export function toRangeCount(s: Series): number | undefined {
  const values = s.values.filter((v): v is number => v !== null);
  if (values.length === 0) {
    return undefined;
  }
  if (values.length === 1) {
    return values[0];
  }
  let sum = 0;
  for (let i = 1; i < values.length; i++) {
    sum += values[i] >= values[i - 1] ? values[i] - values[i - 1] : values[i];
  }
  return sum;
}

function toUpperBound(le: string | undefined): number | undefined {
  if (le === undefined) {
    return undefined;
  }
  if (le === '+Inf' || le === 'Inf') {
    return Infinity;
  }
  const n = Number(le);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * Prometheus's histogram_quantile over cumulative classic buckets (`le` upper bounds, +Inf among them):
 * linear interpolation within the bucket holding rank q * count, from 0 for the first bucket; the
 * second-highest bound when the rank falls in +Inf. Undefined without a +Inf bucket or observations.
 * Counts that decrease with `le` (series scraped at slightly different times) are raised to monotonic,
 * as Prometheus does.
 */
export function toHistogramQuantile(q: number, buckets: Array<{ le: number; count: number }>): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (sorted.length < 2 || sorted[sorted.length - 1].le !== Infinity) {
    return undefined;
  }
  let max = 0;
  const cumulative = sorted.map(({ le, count }) => {
    max = Math.max(max, count);
    return { le, count: max };
  });
  const total = cumulative[cumulative.length - 1].count;
  if (total <= 0) {
    return undefined;
  }
  const rank = q * total;
  let b = cumulative.findIndex((x, i) => i < cumulative.length - 1 && x.count >= rank);
  if (b < 0) {
    b = cumulative.length - 1;
  }
  if (b === cumulative.length - 1) {
    return cumulative[cumulative.length - 2].le;
  }
  if (b === 0 && cumulative[0].le <= 0) {
    return cumulative[0].le;
  }
  const start = b === 0 ? 0 : cumulative[b - 1].le;
  const below = b === 0 ? 0 : cumulative[b - 1].count;
  return start + (cumulative[b].le - start) * ((rank - below) / (cumulative[b].count - below));
}
