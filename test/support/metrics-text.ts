import { spawnSync } from 'node:child_process';
/**
 * Parses Prometheus text exposition into `series -> value`, where series is the sample line without its
 * value exactly as exposed (e.g. `pitower_throttling_now{condition="throttled"}`). For asserting exact values.
 */
export function parseMetricsText(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/** Samples whose series starts with `prefix` (a metric name, optionally with `{`). */
export function pick(samples: Map<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [series, value] of samples) {
    if (series === prefix || series.startsWith(`${prefix}{`)) out[series] = value;
  }
  return out;
}

export interface Sample {
  name: string;
  /** Label name -> value, unescaped. */
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses exposition text into samples with their labels taken apart, for comparing two exporters whose
 * label order differs (kafka_exporter sorts label names; pitower writes them in its own order).
 */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const cut = line.lastIndexOf(' ');
    const labels: Record<string, string> = {};
    let name = line.slice(0, cut);
    if (brace !== -1 && brace < cut) {
      name = line.slice(0, brace);
      const body = line.slice(brace + 1, line.lastIndexOf('}'));
      for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    samples.push({ name, labels, value: Number(line.slice(cut + 1)) });
  }
  return samples;
}

/** `name{a="1",b="2"}` with label names sorted: one key for the same series from any exporter. */
export function toSeriesKey(sample: Pick<Sample, 'name' | 'labels'>): string {
  const labels = Object.keys(sample.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(sample.labels[k])}`)
    .join(',');
  return `${sample.name}{${labels}}`;
}

/**
 * What promtool flags in pitower's output on purpose: kafka_exporter names two gauges `*_sum`, and a
 * drop-in keeps its names (README, kafka_exporter compatibility).
 */
export const DELIBERATE_LINT = [
  'kafka_consumergroup_current_offset_sum non-histogram and non-summary metrics should not have "_sum" suffix',
  'kafka_consumergroup_lag_sum non-histogram and non-summary metrics should not have "_sum" suffix',
];

/** `promtool check metrics` on `text`: the problems it prints, but the deliberate ones ([] = clean). */
export function promtoolProblems(text: string): string[] {
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (check.error) throw check.error;
  const problems = `${check.stdout}${check.stderr}`.split('\n').filter((line) => line.trim() !== '' && !DELIBERATE_LINT.includes(line.trim()));
  if (problems.length === 0 && check.status !== 0 && check.status !== 3) throw new Error(`promtool check metrics exited ${check.status}`);
  return problems;
}
