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
