import { PitowerConfigError } from '../errors';
import { THRESHOLDS, classifyBottleneck, type HostSample, type Verdict } from './bottleneck';
import { toHostSampleReport, type QueryResults, type SkippedHost } from './host-samples';
import { readInstantQuery } from './prometheus-client';
import { QUERY_NAMES, toPromQueries } from './queries';

export interface DiagnoseOptions {
  /** Prometheus base URL. */
  url: string;
  start: Date;
  end: Date;
  /** Per query; default 10 s. */
  timeoutMs?: number;
}

/** Everything `pitower diagnose --json` prints. */
export interface Diagnosis {
  prometheus: string;
  window: { start: string; end: string; seconds: number };
  verdict: Verdict;
  hosts: HostSample[];
  skipped: SkippedHost[];
}

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/** Asks Prometheus every query of queries.ts for [start, end] (evaluated at `end`), in parallel. */
export async function readQueryResults(opts: DiagnoseOptions): Promise<QueryResults> {
  const seconds = (opts.end.getTime() - opts.start.getTime()) / 1000;
  if (!(seconds > 0)) throw new PitowerConfigError(`diagnosis window must be positive, got ${opts.start.toISOString()} .. ${opts.end.toISOString()}`);
  const queries = toPromQueries(seconds);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const answers = await Promise.all(
    QUERY_NAMES.map((name) => readInstantQuery({ url: opts.url, expr: queries[name], time: opts.end, timeoutMs })),
  );
  const results: QueryResults = {};
  QUERY_NAMES.forEach((name, i) => (results[name] = answers[i]));
  return results;
}

/** The verdict plus the host samples it was built from. */
export async function readDiagnosis(opts: DiagnoseOptions): Promise<Diagnosis> {
  const { hosts, skipped } = toHostSampleReport(await readQueryResults(opts));
  return {
    prometheus: opts.url,
    window: {
      start: opts.start.toISOString(),
      end: opts.end.toISOString(),
      seconds: (opts.end.getTime() - opts.start.getTime()) / 1000,
    },
    verdict: classifyBottleneck(hosts),
    hosts,
    skipped,
  };
}

/** The bottleneck verdict for a window (used by `pitower diagnose` and at the end of `pitower load`). */
export async function diagnoseFromPrometheus(opts: DiagnoseOptions): Promise<Verdict> {
  return (await readDiagnosis(opts)).verdict;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

/**
 * A headline, the one-sentence explanation, and the ranked resources as a table:
 *
 *   bottleneck: io on pi-db-1 (database)
 *   pi-db-1 (database) disk is 98% busy (0.98 s of IO per second), the most saturated resource: ...
 *
 *   HOST         ROLE      RESOURCE  BUSY
 *   pi-db-1      database  disk       98%  saturated
 *   pi-db-1      database  cpu        35%
 */
export function formatVerdict(v: Verdict): string {
  const headline = v.host ? `bottleneck: ${v.kind} on ${v.host} (${v.role})` : `bottleneck: ${v.kind}`;
  const lines = [headline, v.explanation];
  if (v.ranked.length > 0) {
    const hostWidth = Math.max(4, ...v.ranked.map((r) => r.host.length)) + 2;
    lines.push('', `${pad('HOST', hostWidth)}${pad('ROLE', 10)}${pad('RESOURCE', 10)}BUSY`);
    for (const r of v.ranked) {
      const limit = r.resource === 'cpu' ? THRESHOLDS.cpuSaturated : THRESHOLDS.ioSaturated;
      const busy = `${Math.round(r.utilisation * 100)}%`.padStart(4);
      const mark = r.utilisation >= limit - 1e-9 ? '  saturated' : '';
      lines.push(`${pad(r.host, hostWidth)}${pad(r.role, 10)}${pad(r.resource === 'cpu' ? 'cpu' : 'disk', 10)}${busy}${mark}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Text for the skipped hosts, one line each, or '' when none. */
export function formatSkipped(skipped: SkippedHost[]): string {
  return skipped.map((s) => `note: ${s.host} left out: ${s.reason}\n`).join('');
}
