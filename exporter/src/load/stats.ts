import { build, type Histogram } from 'hdr-histogram-js';
import type { AuditResult } from './audit';
import type { ErrorReason } from './backends/backend';
import type { LoadSink } from './scheduler';
import type { Reading } from './reading';

/** Latency quantiles in seconds. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The `--json` object of `pitower load` (and the source of the final table). */
export interface LoadSummary {
  backend: string;
  target: string;
  /** The run's producer id: every reading of the run carries it (with its seq), so a user can find them. */
  producer: string;
  mode: 'closed' | 'open';
  concurrency: number;
  /** Target rate per second in open loop, null in closed loop. */
  rate: number | null;
  /** Successful readings in the measured period (after the warm-up). */
  transactions: number;
  /** Failed readings in the measured period. */
  errors: number;
  errorsByReason: Partial<Record<ErrorReason, number>>;
  /** Measured wall time: end of warm-up to the last completion (or the end of the run). */
  seconds: number;
  tps: number;
  latency: LatencySummary;
  warmup: { transactions: number; errors: number };
  /** True when SIGINT/SIGTERM ended the run before its --duration or --count: the figures cover `seconds` only. */
  interrupted: boolean;
  /** What was asked for: --duration in seconds and --count, null where not given. */
  planned: { seconds: number | null; count: number | null };
  /** The audit's result, or why it could not be made. */
  audit?: AuditResult | { error: string };
}

export interface ProgressSnapshot {
  elapsedSeconds: number;
  /** Seconds left when the run has a duration; undefined otherwise. */
  remainingSeconds?: number;
  transactions: number;
  errors: number;
  tpsNow: number;
  tpsAverage: number;
  p50: number;
  p99: number;
}

/**
 * Counts and an HDR histogram (microsecond resolution, up to one hour) of one `pitower load` run.
 * Only measured outcomes go to the histogram and the totals; the warm-up is counted apart.
 */
export class RunStats implements LoadSink {
  readonly histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3600e6, numberOfSignificantValueDigits: 3 });
  transactions = 0;
  errors = 0;
  readonly errorsByReason: Partial<Record<ErrorReason, number>> = {};
  warmupTransactions = 0;
  warmupErrors = 0;
  private lastSnapshot?: { atMs: number; transactions: number };

  success(_reading: Reading, latencySeconds: number, measured: boolean): void {
    if (!measured) {
      this.warmupTransactions++;
      return;
    }
    this.transactions++;
    this.histogram.recordValue(Math.max(1, Math.round(latencySeconds * 1e6)));
  }

  failure(count: number, reason: ErrorReason, measured: boolean): void {
    if (!measured) {
      this.warmupErrors += count;
      return;
    }
    this.errors += count;
    this.errorsByReason[reason] = (this.errorsByReason[reason] ?? 0) + count;
  }

  latency(): LatencySummary {
    if (this.histogram.totalCount === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
    const at = (q: number) => this.histogram.getValueAtPercentile(q) / 1e6;
    return { p50: at(50), p90: at(90), p99: at(99), max: this.histogram.maxValue / 1e6 };
  }

  /** For the progress line; `tpsNow` is over the interval since the previous snapshot (the average at the first). */
  snapshot(nowMs: number, measureFromMs: number, endMs: number | undefined): ProgressSnapshot {
    const elapsedSeconds = Math.max(0, (nowMs - measureFromMs) / 1000);
    const previous = this.lastSnapshot;
    const tpsAverage = elapsedSeconds > 0 ? this.transactions / elapsedSeconds : 0;
    const tpsNow = previous && nowMs > previous.atMs ? ((this.transactions - previous.transactions) * 1000) / (nowMs - previous.atMs) : tpsAverage;
    this.lastSnapshot = { atMs: nowMs, transactions: this.transactions };
    const { p50, p99 } = this.latency();
    return {
      elapsedSeconds,
      remainingSeconds: endMs === undefined || !Number.isFinite(endMs) ? undefined : Math.max(0, (endMs - nowMs) / 1000),
      transactions: this.transactions,
      errors: this.errors,
      tpsNow,
      tpsAverage,
      p50,
      p99,
    };
  }
}

/** Tps over the measured seconds; 0 for an empty run. */
export function toTps(transactions: number, seconds: number): number {
  return seconds > 0 ? transactions / seconds : 0;
}

/** `1.23 ms`, `850 µs`, `2.50 s`. */
export function formatSeconds(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(2)} s`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(2)} ms`;
  return `${Math.round(seconds * 1e6)} µs`;
}

/** Fields of the progress line a narrow terminal loses first, in order. */
const PROGRESS_DROP_ORDER = ['avg', 'p50', 'left', 'p99'] as const;

/**
 * One line for the TTY progress display, at most `width` characters (the terminal's columns): the least
 * useful fields go first (average tps, p50, time left, p99); time, tps, ok and errors stay as long as they fit.
 */
export function formatProgressLine(s: ProgressSnapshot, width = Infinity): string {
  const render = (drop: ReadonlySet<string>) => {
    let time = `${s.elapsedSeconds.toFixed(0)}s`;
    if (s.remainingSeconds !== undefined && !drop.has('left')) time += `, ${s.remainingSeconds.toFixed(0)}s left`;
    const parts = [time, `tps ${s.tpsNow.toFixed(0)}${drop.has('avg') ? '' : ` (avg ${s.tpsAverage.toFixed(0)})`}`];
    if (!drop.has('p50')) parts.push(`p50 ${formatSeconds(s.p50)}`);
    if (!drop.has('p99')) parts.push(`p99 ${formatSeconds(s.p99)}`);
    parts.push(`ok ${s.transactions}`, `errors ${s.errors}`);
    return parts.join('  ');
  };
  const dropped = new Set<string>();
  let line = render(dropped);
  for (const field of PROGRESS_DROP_ORDER) {
    if (line.length <= width) return line;
    dropped.add(field);
    line = render(dropped);
  }
  return line.length <= width ? line : line.slice(0, Math.max(0, width));
}

function interruptedDetail(s: LoadSummary): string {
  if (s.planned.count !== null) return `${s.transactions + s.errors} of ${s.planned.count} readings written`;
  if (s.planned.seconds !== null) return `the figures cover ${s.seconds.toFixed(1)} s of a ${s.planned.seconds} s run`;
  return 'stopped by a signal';
}

/** The end-of-run table. */
export function formatSummaryTable(s: LoadSummary): string {
  const rows: [string, string][] = [
    ...(s.interrupted ? ([['run', `INTERRUPTED after ${s.seconds.toFixed(1)} s: ${interruptedDetail(s)}`]] as [string, string][]) : []),
    ['backend', s.backend === 'null' ? 'null (no I/O)' : `${s.backend} ${s.target}`],
    ['loop', s.mode === 'open' ? `open, ${s.rate}/s target, concurrency ${s.concurrency}` : `closed, concurrency ${s.concurrency}`],
    ['transactions', String(s.transactions)],
    ['errors', s.errors === 0 ? '0' : `${s.errors} (${Object.entries(s.errorsByReason).map(([r, n]) => `${r} ${n}`).join(', ')})`],
    ['seconds', s.interrupted && s.planned.seconds !== null ? `${s.seconds.toFixed(3)} of ${s.planned.seconds} planned` : s.seconds.toFixed(3)],
    ['tps', s.tps.toFixed(1)],
    ['latency p50', formatSeconds(s.latency.p50)],
    ['latency p90', formatSeconds(s.latency.p90)],
    ['latency p99', formatSeconds(s.latency.p99)],
    ['latency max', formatSeconds(s.latency.max)],
  ];
  if (s.warmup.transactions + s.warmup.errors > 0) rows.push(['warm-up', `${s.warmup.transactions} ok, ${s.warmup.errors} errors (not measured)`]);
  if (s.audit && 'error' in s.audit) rows.push(['audit', `FAILED: ${s.audit.error}`]);
  else if (s.audit) {
    const a = s.audit;
    rows.push(['audit', `acknowledged ${a.acknowledged}, found ${a.found}, lost ${a.lost}, duplicated ${a.duplicated}, unacknowledged present ${a.unacknowledgedPresent}`]);
    if (a.readAt) rows.push(['audit read at', `${a.readAt.toUpperCase()}: ${a.readAtNote}`]);
    if (a.note) rows.push(['audit note', a.note]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
