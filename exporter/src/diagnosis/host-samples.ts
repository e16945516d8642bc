import type { HostSample, Role } from './bottleneck';
import { QUERY_NAMES, type QueryName } from './queries';

/** One series of an instant-vector answer: `{metric, value: [unix seconds, "number"]}`. */
export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

/** The answers of the queries in queries.ts, by name; a missing name is an empty answer. */
export type QueryResults = Partial<Record<QueryName, PromSeries[]>>;

export interface SkippedHost {
  host: string;
  reason: string;
}

export interface HostSampleReport {
  hosts: HostSample[];
  /** Hosts seen in some answer but left out, with why (no role, no CPU numbers). */
  skipped: SkippedHost[];
}

/** A host that was throttled for at least this share of the window counts as throttled. */
export const THROTTLED_SHARE = 0.1;

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

interface HostAccumulator {
  roles: string[];
  values: Partial<Record<QueryName, number[]>>;
}

function combine(name: QueryName, values: number[] | undefined): number | undefined {
  if (!values || values.length === 0) return undefined;
  // Several instances of one host (two exporters on different ports): add up the load generator's
  // counts, take the worst of everything else.
  if (name === 'tps' || name === 'inflight' || name === 'concurrency') return values.reduce((a, b) => a + b, 0);
  return Math.max(...values);
}

/**
 * Pure: joins the per-query answers into one HostSample per host (instance with the port stripped).
 * The role comes from the `role` target label (the first one seen in the order of QUERY_NAMES, node_exporter
 * CPU first); a host without one that runs the load generator is a producer. Hosts without a role, with
 * an unknown role or without CPU numbers are reported in `skipped`. Output sorted by host name.
 */
export function toHostSampleReport(results: QueryResults): HostSampleReport {
  const byHost = new Map<string, HostAccumulator>();
  for (const name of QUERY_NAMES) {
    for (const series of results[name] ?? []) {
      const instance = series.metric.instance;
      if (instance === undefined || instance === '') continue;
      const host = toHostName(instance);
      const entry: HostAccumulator = byHost.get(host) ?? { roles: [], values: {} };
      byHost.set(host, entry);
      if (series.metric.role) entry.roles.push(series.metric.role);
      const value = toNumber(series.value[1]);
      if (value !== undefined) (entry.values[name] ??= []).push(value);
    }
  }

  const hosts: HostSample[] = [];
  const skipped: SkippedHost[] = [];
  for (const host of [...byHost.keys()].sort()) {
    const { roles, values } = byHost.get(host) as HostAccumulator;
    const get = (name: QueryName) => combine(name, values[name]);
    const runsLoad = get('tps') !== undefined || get('inflight') !== undefined;
    const label = roles[0];
    let role: Role;
    if (label === undefined) {
      if (!runsLoad) {
        skipped.push({ host, reason: 'no role label (producer, broker or database) on its targets' });
        continue;
      }
      role = 'producer';
    } else if ((ROLES as readonly string[]).includes(label)) {
      role = label as Role;
    } else {
      skipped.push({ host, reason: `role "${label}" is not producer, broker or database` });
      continue;
    }
    const cpu = get('cpu');
    if (cpu === undefined) {
      skipped.push({ host, reason: 'no node_exporter CPU numbers (node_cpu_seconds_total) in the window' });
      continue;
    }
    const sample: HostSample = { host, role, cpu };
    const io = get('io');
    if (io !== undefined) sample.io = io;
    const temperature = get('temperature');
    if (temperature !== undefined) sample.temperatureCelsius = temperature;
    const throttled = get('throttled');
    if (throttled !== undefined) sample.throttled = throttled >= THROTTLED_SHARE;
    const concurrency = get('concurrency');
    if (concurrency !== undefined) sample.concurrency = concurrency;
    const inflight = get('inflight');
    if (inflight !== undefined) sample.inflight = inflight;
    const tps = get('tps');
    if (tps !== undefined) sample.tps = tps;
    const latency = get('latency');
    if (latency !== undefined) sample.latency = latency;
    hosts.push(sample);
  }
  return { hosts, skipped };
}

/** Pure: the HostSamples of toHostSampleReport, without the skipped list. */
export function toHostSamples(results: QueryResults): HostSample[] {
  return toHostSampleReport(results).hosts;
}
