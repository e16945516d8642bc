import type { HostSample, Role } from './bottleneck';
import { QUERY_NAMES, type QueryName } from './queries';

/** One series of an instant-vector answer: `{metric, value: [unix seconds, "number"]}`. */
export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

/** The answers of the queries in queries.ts, by name; a missing name is an empty answer. */
export type QueryResults = Partial<Record<QueryName, PromSeries[]>>;

/**
 * One series reduced to one number over the window, whoever read it: an instant answer of the CLI's
 * queries (fromPromResults), or a Grafana panel's series reduced over its time range. `value` undefined:
 * the series had no number in the window.
 */
export interface HostSeries {
  query: QueryName;
  labels: Record<string, string>;
  value: number | undefined;
}

/** Why a host seen in some series is left out of the verdict. */
export type SkipKind = 'no-role' | 'unknown-role' | 'no-cpu';

export interface SkippedHost {
  host: string;
  kind: SkipKind;
  reason: string;
}

/** Everything a host's series add up to, kept also for hosts left out (the panel shows them as cards). */
export interface HostValues {
  host: string;
  /** The role label first seen (cpu series first), or 'producer' given to a role-less load generator. */
  role?: string;
  values: Partial<Record<QueryName, number>>;
}

export interface HostSampleReport {
  /** The classifier's input, sorted by host name. */
  hosts: HostSample[];
  /** Hosts seen in some answer but left out, with why (no role, no CPU numbers). */
  skipped: SkippedHost[];
  /** Every host seen, sorted by host name. */
  all: HostValues[];
  /** Series without the host label, ignored. */
  unlabelled: number;
}

export interface HostSampleOptions {
  /** Label naming the host; any `:port` is stripped (toHostName). Default `instance`. */
  hostLabel?: string;
  /** Label naming the role (producer, broker, database). Default `role`. */
  roleLabel?: string;
}

/** A host that was throttled for at least this share of the window counts as throttled. */
export const THROTTLED_SHARE = 0.1;

/**
 * The firmware conditions counted as throttled. A `throttled` series with another `condition` label (a
 * bare pitower_throttling_now also has under-voltage and frequency-capped series) is ignored.
 */
export const THROTTLING_CONDITIONS: readonly string[] = ['throttled', 'soft_temperature_limit'];

/**
 * How several series of one host and query combine (two exporters on different ports of one Pi, or a
 * panel query without `sum by`): the load generator's counts add up, everything else takes the worst.
 */
export const COMBINE: Readonly<Record<QueryName, 'sum' | 'max'>> = {
  cpu: 'max',
  io: 'max',
  temperature: 'max',
  throttled: 'max',
  tps: 'sum',
  latency: 'max',
  inflight: 'sum',
  concurrency: 'sum',
  generatorCpu: 'max',
  loopDelay: 'max',
  scheduleLag: 'max',
};

const ROLES: readonly Role[] = ['producer', 'broker', 'database'];

/**
 * `pi-db-1:9100` -> `pi-db-1`, `10.0.0.5:9742` -> `10.0.0.5`, `[fd00::1]:9100` -> `fd00::1`; a value without
 * a port is kept as is (also a bare IPv6 address, whose colons are not a port).
 */
export function toHostName(instance: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (bracketed) return bracketed[1];
  const withPort = /^([^:]+):\d+$/.exec(instance);
  return withPort ? withPort[1] : instance;
}

function toNumber(text: string): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Pure: the CLI's instant answers as HostSeries. */
export function fromPromResults(results: QueryResults): HostSeries[] {
  return QUERY_NAMES.flatMap((query) => (results[query] ?? []).map((s) => ({ query, labels: s.metric, value: toNumber(s.value[1]) })));
}

const isRole = (label: string | undefined): label is Role => label !== undefined && (ROLES as readonly string[]).includes(label);

/**
 * Pure: joins reduced series into one HostSample per host (host label with the port stripped). The role
 * comes from the role label, the first one seen in the order of QUERY_NAMES (node_exporter CPU first); a
 * host without one that runs the load generator (tps or in-flight numbers) is a producer. Hosts without a
 * role, with an unknown role or without CPU numbers are reported in `skipped`. `throttled` is the share of
 * the window the firmware reported throttling (0..1): at least THROTTLED_SHARE counts as throttled.
 */
export function toHostSampleReportFrom(series: readonly HostSeries[], options: HostSampleOptions = {}): HostSampleReport {
  const hostLabel = options.hostLabel ?? 'instance';
  const roleLabel = options.roleLabel ?? 'role';
  const byHost = new Map<string, { roles: string[]; values: Partial<Record<QueryName, number[]>> }>();
  let unlabelled = 0;
  const ordered = QUERY_NAMES.flatMap((name) => series.filter((s) => s.query === name));
  for (const s of ordered) {
    if (s.query === 'throttled' && s.labels.condition !== undefined && !THROTTLING_CONDITIONS.includes(s.labels.condition)) continue;
    const raw = s.labels[hostLabel];
    if (raw === undefined || raw === '') {
      unlabelled++;
      continue;
    }
    const host = toHostName(raw);
    const entry = byHost.get(host) ?? { roles: [], values: {} };
    byHost.set(host, entry);
    const role = s.labels[roleLabel];
    if (role) entry.roles.push(role);
    if (s.value !== undefined && Number.isFinite(s.value)) (entry.values[s.query] ??= []).push(s.value);
  }

  const hosts: HostSample[] = [];
  const skipped: SkippedHost[] = [];
  const all: HostValues[] = [];
  for (const host of [...byHost.keys()].sort()) {
    const entry = byHost.get(host);
    if (!entry) continue;
    const values: Partial<Record<QueryName, number>> = {};
    for (const name of QUERY_NAMES) {
      const xs = entry.values[name];
      if (xs && xs.length > 0) values[name] = COMBINE[name] === 'sum' ? xs.reduce((a, b) => a + b, 0) : Math.max(...xs);
    }
    const runsLoad = values.tps !== undefined || values.inflight !== undefined;
    const label = entry.roles[0];
    const role = label === undefined && runsLoad ? 'producer' : label;
    all.push(role === undefined ? { host, values } : { host, role, values });
    if (role === undefined) {
      skipped.push({ host, kind: 'no-role', reason: 'no role label (producer, broker or database) on its targets' });
      continue;
    }
    if (!isRole(role)) {
      skipped.push({ host, kind: 'unknown-role', reason: `role "${role}" is not producer, broker or database` });
      continue;
    }
    if (values.cpu === undefined) {
      skipped.push({ host, kind: 'no-cpu', reason: 'no node_exporter CPU numbers (node_cpu_seconds_total) in the window' });
      continue;
    }
    const sample: HostSample = { host, role, cpu: values.cpu };
    if (values.io !== undefined) sample.io = values.io;
    if (values.temperature !== undefined) sample.temperatureCelsius = values.temperature;
    if (values.throttled !== undefined) sample.throttled = values.throttled >= THROTTLED_SHARE;
    if (values.concurrency !== undefined) sample.concurrency = values.concurrency;
    if (values.inflight !== undefined) sample.inflight = values.inflight;
    if (values.tps !== undefined) sample.tps = values.tps;
    if (values.latency !== undefined) sample.latency = values.latency;
    if (values.generatorCpu !== undefined) sample.generatorCpu = values.generatorCpu;
    if (values.loopDelay !== undefined) sample.loopDelay = values.loopDelay;
    if (values.scheduleLag !== undefined) sample.scheduleLag = values.scheduleLag;
    hosts.push(sample);
  }
  return { hosts, skipped, all, unlabelled };
}

/** Pure: the CLI's instant answers joined into HostSamples (toHostSampleReportFrom). */
export function toHostSampleReport(results: QueryResults): HostSampleReport {
  return toHostSampleReportFrom(fromPromResults(results));
}

/** Pure: the HostSamples of toHostSampleReport, without the skipped list. */
export function toHostSamples(results: QueryResults): HostSample[] {
  return toHostSampleReport(results).hosts;
}
