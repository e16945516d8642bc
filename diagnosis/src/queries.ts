/**
 * Every PromQL expression the diagnosis asks, in one place. Raw metrics only (no recording rules), so
 * `pitower diagnose` works against any Prometheus that scrapes node_exporter and the pitower exporter.
 *
 * Assumptions about the scrape configuration (prometheus/prometheus.yml does exactly this):
 *   - every target carries a `role` label (producer | broker | database), set in the file_sd target list;
 *   - node_exporter and the pitower exporter on one Pi share the `instance` label (the host name, port
 *     relabelled away). Instances that differ only by a port (`pi-db-1:9100` vs `pi-db-1:9742`) are
 *     joined too: toHostSamples strips the port.
 *
 * Every expression keeps exactly the labels (instance, role) and returns one value per series, evaluated
 * at the end of the window. `$W` is the window as a PromQL duration.
 */

export type QueryName =
  | 'cpu'
  | 'io'
  | 'temperature'
  | 'throttled'
  | 'tps'
  | 'latency'
  | 'inflight'
  | 'concurrency'
  | 'generatorCpu'
  | 'loopDelay'
  | 'scheduleLag';

export const QUERY_NAMES: readonly QueryName[] = [
  'cpu',
  'io',
  'temperature',
  'throttled',
  'tps',
  'latency',
  'inflight',
  'concurrency',
  'generatorCpu',
  'loopDelay',
  'scheduleLag',
];

/** The pitower processes that run the load generator (their pitower_load_info), to pick their process metrics. */
const GENERATOR = 'on (instance, job) group_left () group by (instance, job) (pitower_load_info)';

const BY = 'by (instance, role)';

const TEMPLATES: Record<QueryName, string> = {
  // Busy share of all cores. iowait counts as idle: a CPU waiting on the SD card is not the bottleneck,
  // the disk is (and shows up in `io`). Steal (a VM host taking the CPU) is not this host's work either; the same
  // formula as the recording rule instance:node_cpu_busy:ratio_rate1m.
  cpu:
    `1 - (sum ${BY} (rate(node_cpu_seconds_total{mode=~"idle|iowait|steal"}[$W]))` +
    ` / count ${BY} (rate(node_cpu_seconds_total{mode="idle"}[$W])))`,
  // Busy share of the busiest block device: rate of IO time, 1.0 = 1 s of IO per second = saturated.
  io: `max ${BY} (rate(node_disk_io_time_seconds_total[$W]))`,
  // Hottest thermal zone, averaged over the window.
  temperature: `max ${BY} (avg_over_time(pitower_thermal_zone_temperature_celsius[$W]))`,
  // Share of the window the firmware reported "throttled" or "soft temperature limit" (0..1).
  throttled: `max ${BY} (avg_over_time(pitower_throttling_now{condition=~"throttled|soft_temperature_limit"}[$W]))`,
  // Load generator: transactions per second, mean latency, mean in-flight requests, configured limit.
  tps: `sum ${BY} (rate(pitower_load_transactions_total[$W]))`,
  latency: `sum ${BY} (rate(pitower_load_latency_seconds_sum[$W])) / sum ${BY} (rate(pitower_load_latency_seconds_count[$W]))`,
  inflight: `sum ${BY} (avg_over_time(pitower_load_inflight[$W]))`,
  concurrency: `sum ${BY} (max_over_time(pitower_load_concurrency_limit[$W]))`,
  // The generator's own limits: CPU of its Node process in cores (one JS thread: ~1.0 is all it can get),
  // the worst event-loop delay p99 (prom-client's default metric), and how far behind its --rate schedule
  // it fell (open loop; 0 in closed loop).
  generatorCpu: `max ${BY} (rate(process_cpu_seconds_total[$W]) * ${GENERATOR})`,
  loopDelay: `max ${BY} (max_over_time(nodejs_eventloop_lag_p99_seconds[$W]) * ${GENERATOR})`,
  scheduleLag: `max ${BY} (max_over_time(pitower_load_schedule_lag_seconds[$W]))`,
};

/** Seconds -> a PromQL duration: 300 -> "300s", 0.5 -> "500ms". */
export function toPromDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The expressions for one window length in seconds. */
export function toPromQueries(windowSeconds: number): Record<QueryName, string> {
  const w = toPromDuration(windowSeconds);
  const out = {} as Record<QueryName, string>;
  for (const name of QUERY_NAMES) out[name] = TEMPLATES[name].split('$W').join(w);
  return out;
}
