import { Gauge, type Registry } from 'prom-client';
import { PitowerNoDataError, PitowerPartialDataError, PitowerTimeoutError, errorMessage } from '../errors';
import { withDeadline } from '../retry';
import type { Collector } from './collector';

export type CollectorState = 'pending' | 'ok' | 'no-data' | 'partial' | 'failed';

export interface CollectorStatus {
  name: string;
  state: CollectorState;
  /** Why the last update was not `ok`. */
  message?: string;
}

export interface RunnerLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A collector whose update has run past its deadline and not finished yet. */
export interface StuckCollector {
  name: string;
  /** Seconds since that update started. */
  seconds: number;
}

/** Default of `--collector.timeout`: well inside Prometheus' default 10 s scrape timeout. */
export const DEFAULT_COLLECTOR_TIMEOUT_SECONDS = 4;

/**
 * Runs every collector at scrape time, in parallel, and owns the per-collector success and duration gauges.
 *
 * Each collector has a deadline: a scrape answers with what finished in time, and a collector that did not
 * finish gets success 0 and "timed out". Its update is not abandoned nor started again while it runs: a
 * source that blocks (a hung driver) costs one pending read, not one per scrape. Concurrent scrapes share
 * one in-flight round so collectors never interleave their reset/set.
 */
export class CollectorRunner {
  private readonly success: Gauge<'collector'>;
  private readonly duration: Gauge<'collector'>;
  private readonly status = new Map<string, CollectorStatus>();
  /** Updates that have not settled yet, with their start (performance.now() ms). */
  private readonly running = new Map<string, { done: Promise<void>; startedMs: number }>();
  private inflight: Promise<void> | undefined;
  private readonly timeoutMs: number;

  constructor(
    private readonly collectors: Collector[],
    registry: Registry,
    private readonly logger: RunnerLogger,
    options: { timeoutSeconds?: number } = {},
  ) {
    this.timeoutMs = (options.timeoutSeconds ?? DEFAULT_COLLECTOR_TIMEOUT_SECONDS) * 1000;
    this.success = new Gauge({
      name: 'pitower_scrape_collector_success',
      help: 'Whether the collector succeeded on this scrape (a collector whose source is absent counts as success; one that ran past --collector.timeout as failure).',
      labelNames: ['collector'],
      registers: [registry],
    });
    this.duration = new Gauge({
      name: 'pitower_scrape_collector_duration_seconds',
      help: 'How long the collector took on this scrape (the time it had, if it timed out).',
      labelNames: ['collector'],
      registers: [registry],
    });
    for (const c of collectors) this.status.set(c.name, { name: c.name, state: 'pending' });
  }

  /** Updates every collector within `timeoutMs` (default: the runner's timeout); never rejects. */
  collect(timeoutMs = this.timeoutMs): Promise<void> {
    this.inflight ??= Promise.all(this.collectors.map((c) => this.run(c, Math.min(timeoutMs, this.timeoutMs)))).then(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  statuses(): CollectorStatus[] {
    return [...this.status.values()];
  }

  /** Collectors whose update has been running for longer than the timeout. */
  stuck(nowMs = performance.now()): StuckCollector[] {
    return [...this.running.entries()]
      .filter(([, r]) => nowMs - r.startedMs > this.timeoutMs)
      .map(([name, r]) => ({ name, seconds: Math.round((nowMs - r.startedMs) / 100) / 10 }));
  }

  private async run(collector: Collector, timeoutMs: number): Promise<void> {
    let running = this.running.get(collector.name);
    if (!running) {
      const startedMs = performance.now();
      const done = this.update(collector, startedMs).finally(() => this.running.delete(collector.name));
      running = { done, startedMs };
      this.running.set(collector.name, running);
    }
    const startedMs = running.startedMs;
    try {
      await withDeadline(running.done, Date.now() + timeoutMs, 'timed out');
    } catch (err) {
      if (!(err instanceof PitowerTimeoutError)) throw err;
      const seconds = (performance.now() - startedMs) / 1000;
      const message = `timed out: still running after ${seconds.toFixed(1)} s (--collector.timeout ${this.timeoutMs / 1000}s); its source may be hung`;
      this.logger.warn({ collector: collector.name, err: message }, 'collector timed out');
      this.record(collector.name, { name: collector.name, state: 'failed', message }, timeoutMs / 1000);
    }
  }

  /** Runs one update and records its outcome (also when it settles after its scrape gave up on it). */
  private async update(collector: Collector, startedMs: number): Promise<void> {
    let status: CollectorStatus = { name: collector.name, state: 'ok' };
    try {
      await collector.update();
    } catch (err) {
      if (err instanceof PitowerNoDataError) {
        status = { name: collector.name, state: 'no-data', message: err.message };
        this.logger.debug({ collector: collector.name, reason: err.message }, 'collector found no source');
      } else {
        const state = err instanceof PitowerPartialDataError ? 'partial' : 'failed';
        status = { name: collector.name, state, message: errorMessage(err) };
        this.logger.warn({ collector: collector.name, err: errorMessage(err) }, 'collector failed');
      }
    }
    this.record(collector.name, status, (performance.now() - startedMs) / 1000);
  }

  private record(name: string, status: CollectorStatus, seconds: number): void {
    this.status.set(name, status);
    const labels = { collector: name };
    this.success.set(labels, status.state === 'ok' || status.state === 'no-data' ? 1 : 0);
    this.duration.set(labels, seconds);
  }
}
