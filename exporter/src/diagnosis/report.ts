import { PitowerConfigError } from '../errors';
import {
  QUERY_NAMES,
  classifyBottleneck,
  toHostSampleReport,
  toPromQueries,
  type HostSample,
  type QueryResults,
  type SkippedHost,
  type Verdict,
} from '@pitower/diagnosis';
import { readInstantQuery } from './prometheus-client';

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
