import { PanelOptions, Series } from '../types';
import { classifyBottleneck, HostSample, Role, THROTTLED_SHARE, toHostName, Verdict } from './classifier';
import { compareIds, pick, reduceSeries } from './frames';

export const NO_HOST_SERIES_NOTICE =
  'No host series in the query results. Give the CPU busy query refId "cpu" and the disk busy query refId ' +
  '"io" (see the plugin README); every series needs the instance and role labels.';

export type Level = 'ok' | 'warn' | 'critical';

export interface HostCard {
  host: string;
  role?: string;
  cpu?: number;
  io?: number;
  temperatureCelsius?: number;
  throttled?: boolean;
  tps?: number;
  inflight?: number;
  concurrency?: number;
  latency?: number;
  isBottleneck: boolean;
  cpuLevel: Level;
  ioLevel: Level;
  temperatureLevel: Level;
}

export interface BottleneckViewModel {
  mode: 'hosts' | 'empty';
  cards: HostCard[];
  samples: HostSample[];
  verdict?: Verdict;
  warnings: string[];
  notice?: string;
}

type BottleneckOptions = Pick<
  PanelOptions,
  | 'cpuQuery'
  | 'ioQuery'
  | 'temperatureQuery'
  | 'throttledQuery'
  | 'tpsQuery'
  | 'inflightQuery'
  | 'concurrencyQuery'
  | 'latencyQuery'
  | 'hostLabel'
  | 'roleLabel'
  | 'reducer'
  | 'busyWarn'
  | 'busyCritical'
  | 'temperatureWarnCelsius'
  | 'temperatureCriticalCelsius'
>;

/** `throttled` is the share of the window the firmware reported throttling (0..1), as in `pitower diagnose`. */
const isThrottled = (share: number) => share >= THROTTLED_SHARE;
/** The firmware conditions `pitower diagnose` counts as throttled. */
const THROTTLING_CONDITIONS = ['throttled', 'soft_temperature_limit'];

const ROLES: Role[] = ['producer', 'broker', 'database'];
type NumericField = 'cpu' | 'io' | 'temperatureCelsius' | 'throttled' | 'tps' | 'inflight' | 'concurrency' | 'latency';

/**
 * Series -> one card per host and the classifier's verdict (exporter/src/diagnosis/bottleneck.ts).
 *
 * Hosts are keyed by the host label with any `:port` suffix removed, so node_exporter (:9100) and the
 * pitower exporter series of one Pi land on one card. Each series is reduced over the time range
 * (last/mean/max option); several series for one host and field combine as: cpu, io, temperature,
 * latency, throttled -> max; tps, inflight, concurrency -> sum. A host counts as throttled when the
 * throttled series (0/1 samples) averages at least THROTTLED_SHARE (0.1) over the range.
 *
 * Worked example: cpu{instance="pi1:9100",role="broker"} mean 0.95 and
 * io{instance="pi2:9100",role="database"} mean 0.2 -> cards pi1 (broker, cpu 95 % critical) and
 * pi2 (database, io 20 %), samples [{host:'pi1',role:'broker',cpu:0.95}, ...] go to classifyBottleneck.
 * A host with no cpu series or no valid role gets a card but is left out of the classification.
 */
export function toBottleneckViewModel(
  series: Series[],
  options: BottleneckOptions,
  classify: (hosts: HostSample[]) => Verdict = classifyBottleneck,
): BottleneckViewModel {
  const warnings: string[] = [];
  const hosts = new Map<string, { role?: string; values: Partial<Record<NumericField, number>> }>();
  const fields: Array<[NumericField, string, 'max' | 'sum']> = [
    ['cpu', options.cpuQuery, 'max'],
    ['io', options.ioQuery, 'max'],
    ['temperatureCelsius', options.temperatureQuery, 'max'],
    ['throttled', options.throttledQuery, 'max'],
    ['tps', options.tpsQuery, 'sum'],
    ['inflight', options.inflightQuery, 'sum'],
    ['concurrency', options.concurrencyQuery, 'sum'],
    ['latency', options.latencyQuery, 'max'],
  ];
  let unlabelled = 0;
  for (const [field, name, combine] of fields) {
    for (const s of pick(series, name)) {
      if (field === 'throttled' && s.labels.condition !== undefined && !THROTTLING_CONDITIONS.includes(s.labels.condition)) {
        continue; // a bare pitower_throttling_now also has under-voltage and frequency-capped series
      }
      const raw = s.labels[options.hostLabel];
      if (raw === undefined) {
        unlabelled++;
        continue;
      }
      const v = reduceSeries(s, options.reducer);
      if (v === undefined) {
        continue;
      }
      const host = toHostName(raw);
      const h = hosts.get(host) ?? { values: {} };
      h.role = h.role ?? s.labels[options.roleLabel];
      const prev = h.values[field];
      h.values[field] =
        prev === undefined ? v : combine === 'sum' ? prev + v : Math.max(prev, v);
      hosts.set(host, h);
    }
  }
  if (unlabelled > 0) {
    warnings.push(`${unlabelled} series without the "${options.hostLabel}" label ignored`);
  }
  if (hosts.size === 0) {
    return { mode: 'empty', cards: [], samples: [], warnings, notice: NO_HOST_SERIES_NOTICE };
  }

  const samples: HostSample[] = [];
  const noCpu: string[] = [];
  const noRole: string[] = [];
  for (const [host, h] of hosts) {
    const v = h.values;
    const role = ROLES.find((r) => r === h.role);
    if (!role) {
      noRole.push(host);
    }
    if (v.cpu === undefined) {
      noCpu.push(host);
    }
    if (!role || v.cpu === undefined) {
      continue;
    }
    const sample: HostSample = { host, role, cpu: v.cpu };
    if (v.io !== undefined) sample.io = v.io;
    if (v.temperatureCelsius !== undefined) sample.temperatureCelsius = v.temperatureCelsius;
    if (v.throttled !== undefined) sample.throttled = isThrottled(v.throttled);
    if (v.tps !== undefined) sample.tps = v.tps;
    if (v.inflight !== undefined) sample.inflight = v.inflight;
    if (v.concurrency !== undefined) sample.concurrency = v.concurrency;
    if (v.latency !== undefined) sample.latency = v.latency;
    samples.push(sample);
  }
  if (noRole.length > 0) {
    warnings.push(`no producer/broker/database "${options.roleLabel}" label for ${noRole.sort(compareIds).join(', ')}; left out of the verdict`);
  }
  if (noCpu.length > 0) {
    warnings.push(`no CPU series for ${noCpu.sort(compareIds).join(', ')}; left out of the verdict`);
  }
  const verdict = samples.length > 0 ? classify(samples) : undefined;

  const level = (value: number | undefined, warn: number, critical: number): Level =>
    value === undefined || value < warn ? 'ok' : value < critical ? 'warn' : 'critical';
  const roleOrder = (r?: string) => {
    const i = ROLES.findIndex((x) => x === r);
    return i < 0 ? ROLES.length : i;
  };
  const cards: HostCard[] = [...hosts.entries()]
    .map(([host, h]) => ({
      host,
      role: h.role,
      cpu: h.values.cpu,
      io: h.values.io,
      temperatureCelsius: h.values.temperatureCelsius,
      throttled: h.values.throttled === undefined ? undefined : isThrottled(h.values.throttled),
      tps: h.values.tps,
      inflight: h.values.inflight,
      concurrency: h.values.concurrency,
      latency: h.values.latency,
      isBottleneck: verdict !== undefined && verdict.kind !== 'none' && verdict.host === host,
      cpuLevel: level(h.values.cpu, options.busyWarn, options.busyCritical),
      ioLevel: level(h.values.io, options.busyWarn, options.busyCritical),
      temperatureLevel: level(h.values.temperatureCelsius, options.temperatureWarnCelsius, options.temperatureCriticalCelsius),
    }))
    .sort((a, b) => roleOrder(a.role) - roleOrder(b.role) || compareIds(a.host, b.host));
  return { mode: 'hosts', cards, samples, verdict, warnings };
}
