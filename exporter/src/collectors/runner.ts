import { Gauge, type Registry } from 'prom-client';
import { PitowerNoDataError, PitowerPartialDataError, errorMessage } from '../errors';
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

/**
 * Runs every collector at scrape time, in parallel, and owns the per-collector success and duration gauges.
 * Concurrent scrapes share one in-flight update so collectors never interleave their reset/set.
 */
export class CollectorRunner {
  private readonly success: Gauge<'collector'>;
  private readonly duration: Gauge<'collector'>;
  private readonly status = new Map<string, CollectorStatus>();
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly collectors: Collector[],
    registry: Registry,
    private readonly logger: RunnerLogger,
  ) {
    this.success = new Gauge({
      name: 'pitower_scrape_collector_success',
      help: 'Whether the collector succeeded on this scrape (a collector whose source is absent counts as success).',
      labelNames: ['collector'],
      registers: [registry],
    });
    this.duration = new Gauge({
      name: 'pitower_scrape_collector_duration_seconds',
      help: 'How long the collector took on this scrape.',
      labelNames: ['collector'],
      registers: [registry],
    });
    for (const c of collectors) this.status.set(c.name, { name: c.name, state: 'pending' });
  }

  /** Updates every collector; never rejects. */
  collect(): Promise<void> {
    this.inflight ??= Promise.all(this.collectors.map((c) => this.run(c))).then(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  statuses(): CollectorStatus[] {
    return [...this.status.values()];
  }

  private async run(collector: Collector): Promise<void> {
    const started = process.hrtime.bigint();
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
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.status.set(collector.name, status);
    const labels = { collector: collector.name };
    this.success.set(labels, status.state === 'ok' || status.state === 'no-data' ? 1 : 0);
    this.duration.set(labels, seconds);
  }
}
