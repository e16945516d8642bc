import { DataFrame, FieldType } from '@grafana/data';
import { Reducer, Series } from '../types';

/**
 * Turns the frames a Prometheus query returns into flat series, whatever the query format:
 *
 * - time series (one frame per series): fields [Time, Value{labels}] -> one Series with every point;
 * - wide frames: [Time, A{labels}, B{labels}] -> one Series per number field;
 * - table / instant (format=table): [Time, __name__, topic, partition, Value] -> one Series per row,
 *   labels taken from the string columns of that row.
 *
 * Frames without a number field are ignored.
 */
export function toSeries(frames: DataFrame[]): Series[] {
  const out: Series[] = [];
  for (const frame of frames) {
    const refId = frame.refId ?? '';
    const timeField = frame.fields.find((f) => f.type === FieldType.time);
    const numberFields = frame.fields.filter((f) => f.type === FieldType.number);
    const stringFields = frame.fields.filter((f) => f.type === FieldType.string);
    if (numberFields.length === 0) {
      continue;
    }
    const times: number[] = timeField ? Array.from(timeField.values as ArrayLike<number>) : [];
    if (stringFields.length > 0) {
      // table format: labels live in string columns, one series per row and number column
      for (let row = 0; row < frame.length; row++) {
        const rowLabels: Record<string, string> = {};
        for (const f of stringFields) {
          const v = (f.values as ArrayLike<unknown>)[row];
          if (v !== null && v !== undefined && v !== '') {
            rowLabels[f.name] = String(v);
          }
        }
        for (const nf of numberFields) {
          out.push({
            refId,
            labels: { ...(nf.labels ?? {}), ...rowLabels },
            times: times.length > row ? [times[row]] : [0],
            values: [toNumber((nf.values as ArrayLike<unknown>)[row])],
          });
        }
      }
      continue;
    }
    for (const nf of numberFields) {
      const raw = nf.values as ArrayLike<unknown>;
      const values = Array.from(raw, toNumber);
      out.push({
        refId,
        labels: { ...(nf.labels ?? {}) },
        times: times.length === values.length ? times : values.map((_, i) => i),
        values,
      });
    }
  }
  return out;
}

function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) {
    return null;
  }
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * A series belongs to `names` (one name, or several separated by commas) when its `__name__` label or
 * its query refId equals one of them.
 */
export function matches(series: Series, names: string): boolean {
  const list = toNames(names);
  return list.includes(series.refId) || (series.labels.__name__ !== undefined && list.includes(series.labels.__name__));
}

export function pick(series: Series[], names: string): Series[] {
  const list = toNames(names);
  if (list.length === 0) {
    return [];
  }
  return series.filter((s) => list.includes(s.refId) || (s.labels.__name__ !== undefined && list.includes(s.labels.__name__)));
}

function toNames(names: string): string[] {
  return names
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
}

/** Last non-null value, undefined when the series has none. */
export function lastValue(s: Series): number | undefined {
  for (let i = s.values.length - 1; i >= 0; i--) {
    const v = s.values[i];
    if (v !== null) {
      return v;
    }
  }
  return undefined;
}

export function reduceSeries(s: Series, reducer: Reducer): number | undefined {
  if (reducer === 'last') {
    return lastValue(s);
  }
  let n = 0;
  let sum = 0;
  let max = -Infinity;
  for (const v of s.values) {
    if (v !== null) {
      n++;
      sum += v;
      max = Math.max(max, v);
    }
  }
  if (n === 0) {
    return undefined;
  }
  return reducer === 'mean' ? sum / n : max;
}

/**
 * The labels that tell the exporter reporting a Kafka cluster's series apart. Of all the pitower exporters
 * polling a cluster, one reports its kafka_* series at a time (the reporter lease); when reporting passes
 * to another, each series goes on under the new exporter's `instance`.
 */
export const REPORTER_LABELS = ['instance'];

/**
 * Joins series that differ only in the reporting exporter (REPORTER_LABELS) into one series over time, the
 * way a Kafka cluster's series pass from one exporter to another: at a time both report, the series that
 * started later wins. `overlaps` counts the series that shared a time with another (two exporters reporting
 * at once: one run with --kafka.reporter=always, or with another reporter group).
 */
export function mergeReporters(series: Series[]): { series: Series[]; overlaps: number } {
  const groups = new Map<string, Series[]>();
  for (const s of series) {
    const labels = Object.fromEntries(Object.entries(s.labels).filter(([name]) => !REPORTER_LABELS.includes(name)));
    const key = `${s.refId}\u0001${Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join('\u0000')}`;
    groups.set(key, [...(groups.get(key) ?? []), { ...s, labels }]);
  }
  let overlaps = 0;
  const out: Series[] = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      out.push(group[0]);
      continue;
    }
    const firstTime = (s: Series) => s.times.find((_, i) => s.values[i] !== null) ?? Infinity;
    const byStart = [...group].sort((a, b) => firstTime(a) - firstTime(b));
    const points = new Map<number, number | null>();
    const reported = new Set<number>();
    for (const s of byStart) {
      let shared = false;
      s.times.forEach((t, i) => {
        const v = s.values[i];
        if (v === null) {
          if (!points.has(t)) {
            points.set(t, null);
          }
          return;
        }
        if (reported.has(t)) {
          shared = true;
        }
        reported.add(t);
        points.set(t, v);
      });
      if (shared) {
        overlaps++;
      }
    }
    const times = [...points.keys()].sort((a, b) => a - b);
    out.push({ refId: group[0].refId, labels: group[0].labels, times, values: times.map((t) => points.get(t) ?? null) });
  }
  return { series: out, overlaps };
}

/** Stable key for a label subset, used to detect duplicated series. */
export function labelKey(labels: Record<string, string>, names: string[]): string {
  return names.map((n) => labels[n] ?? '').join('\u0000');
}

/** Natural order for broker ids and partition numbers: numeric when both are numbers. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) {
    return na - nb;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
