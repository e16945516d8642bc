import { performance } from 'node:perf_hooks';
import type { Backend, ErrorReason } from './backends/backend';
import type { Reading } from './reading';
import { createBackoff, sleep, type BackoffOptions } from '../retry';

/**
 * The load scheduler.
 *
 * Closed loop (no rate): `concurrency` workers each write, await, write again: the lab's "threads".
 * Open loop (`rate` R): reading i is due at start + i/R seconds whatever the target does; free workers take
 * due readings (up to `concurrency` writes in flight), and latency is measured from the *intended* send time,
 * so a slow target shows its delay instead of slowing the schedule down (no coordinated omission).
 *
 * Readings are identified by their index (= seq); the schedule maths is pure and below.
 */

/** Intended send time of reading `index` in an open-loop run, milliseconds on the `startMs` clock. */
export function toIntendedTimeMs(startMs: number, rate: number, index: number): number {
  return startMs + (index * 1000) / rate;
}

/** Readings due by `elapsedMs` after the start of an open-loop run at `rate` per second (index 0 is due at 0). */
export function toDueCount(elapsedMs: number, rate: number): number {
  if (elapsedMs < 0) return 0;
  // a tiny epsilon so that exactly-on-time readings are due despite floating point (e.g. 0.3 * 1000 / 1000)
  return Math.floor((elapsedMs * rate) / 1000 + 1e-9) + 1;
}

/**
 * How many readings an open-loop run issues: those whose intended time falls before the end of the run,
 * capped by `count`. Unbounded -> Infinity.
 */
export function toOpenLoopLimit(rate: number, totalMs: number | undefined, count: number | undefined): number {
  const byTime = totalMs === undefined ? Infinity : Math.ceil((totalMs * rate) / 1000 - 1e-9);
  return Math.min(byTime, count ?? Infinity);
}

/** Milliseconds until the next reading is due (>= 0), for the dispatcher's timer. */
export function toNextDueDelayMs(startMs: number, rate: number, issued: number, nowMs: number): number {
  return Math.max(0, toIntendedTimeMs(startMs, rate, issued) - nowMs);
}

/**
 * Open loop: how far behind its schedule the generator is, in seconds: the age of the oldest due reading no
 * worker has started (0 when every due reading is on its way). Closed loop has no schedule: 0.
 *
 *   rate 100/s, start 0, 250 due (issued), 200 taken, now 2600 ms -> reading 200 was due at 2000 ms: 0.6 s
 */
export function toScheduleLagSeconds(startMs: number, rate: number | undefined, issued: number, backlog: number, nowMs: number): number {
  if (rate === undefined || backlog <= 0) return 0;
  return Math.max(0, nowMs - toIntendedTimeMs(startMs, rate, issued - backlog)) / 1000;
}

/** A reading started this long after its intended time (open loop) is counted late. */
export const LATE_START_SECONDS = 0.1;

/**
 * Of the batch of `n` readings from index `first`, sent at `sentMs`, how many started LATE_START_SECONDS or
 * more after their intended time (they are due one after the other, so the late ones are the first ones).
 *
 *   rate 100/s, start 0, first 10 (due 100 ms), n 5, sent 240 ms -> due 100..140 ms, late if due <= 140: 5
 */
export function toLateCount(startMs: number, rate: number, first: number, n: number, sentMs: number): number {
  const lateBefore = sentMs - LATE_START_SECONDS * 1000;
  let late = 0;
  while (late < n && toIntendedTimeMs(startMs, rate, first + late) <= lateBefore + 1e-9) late++;
  return late;
}

/** A worker's pause after a failed write: short, so a target that comes back is used within a second. */
export const WRITE_BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 1000, factor: 2, jitter: 0.2 };

/** Workers give the event loop a turn at least this often (ms). */
const YIELD_EVERY_MS = 10;

export interface ScheduleOptions {
  concurrency: number;
  /** Readings per second (open loop); undefined = closed loop. */
  rate?: number;
  /** Measured time after the warm-up, ms; undefined = until count or stop. */
  durationMs?: number;
  /** Total readings (warm-up included); undefined = unbounded. */
  count?: number;
  /** Readings started (closed loop) or due (open loop) in the first warmupMs are written but not measured. */
  warmupMs?: number;
  /** Open loop: when this many due readings wait for a worker, the oldest are dropped as errors{reason="backlog"}. */
  maxBacklog?: number;
  backoff?: BackoffOptions;
  /** Stops issuing new readings; in-flight writes complete. */
  signal?: AbortSignal;
}

/** Receives every outcome; latency in seconds; `measured` is false during the warm-up. */
export interface LoadSink {
  success(reading: Reading, latencySeconds: number, measured: boolean): void;
  failure(count: number, reason: ErrorReason, measured: boolean): void;
  /** Readings made durable (for the audit); by default the written batch. */
  acknowledged?(readings: Reading[]): void;
  /** Open loop: readings started LATE_START_SECONDS or more after their intended time (the generator fell behind). */
  late?(count: number, measured: boolean): void;
}

export interface SchedulerState {
  inflight: number;
  issued: number;
  backlog: number;
  /** performance.now() of the start, and of the end of the warm-up. */
  startMs: number;
  measureFromMs: number;
  /** performance.now() at which --duration ends the run (Infinity without one). */
  deadlineMs: number;
  /** Set at the end of the run. */
  endMs?: number;
}

export interface Scheduler {
  state: SchedulerState;
  /** Resolves when every worker has finished (limit reached or stopped) and nothing is in flight. */
  done: Promise<void>;
}

export function startScheduler(
  backend: Pick<Backend, 'write' | 'batchSize' | 'classifyError'>,
  makeReading: (seq: number) => Reading,
  sink: LoadSink,
  options: ScheduleOptions,
): Scheduler {
  const now = () => performance.now();
  const startMs = now();
  const warmupMs = options.warmupMs ?? 0;
  const measureFromMs = startMs + warmupMs;
  const totalMs = options.durationMs === undefined ? undefined : warmupMs + options.durationMs;
  const endMs = totalMs === undefined ? Infinity : startMs + totalMs;
  const rate = options.rate;
  const limit = rate !== undefined ? toOpenLoopLimit(rate, totalMs, options.count) : (options.count ?? Infinity);
  const batchSize = Math.max(1, backend.batchSize);
  const signal = options.signal;
  const maxBacklog = options.maxBacklog ?? Math.max(10000, (rate ?? 0) * 10);

  const state: SchedulerState = { inflight: 0, issued: 0, backlog: 0, startMs, measureFromMs, deadlineMs: endMs };
  let taken = 0;
  let available = rate === undefined ? limit : 0;
  let dispatching = rate !== undefined;
  let wake: (() => void) | undefined;
  let wakePromise: Promise<void> | undefined;
  const waitForWork = (): Promise<void> => {
    if (!wakePromise) wakePromise = new Promise((resolve) => (wake = resolve));
    return wakePromise;
  };
  const wakeAll = () => {
    const w = wake;
    wake = undefined;
    wakePromise = undefined;
    w?.();
  };
  signal?.addEventListener('abort', wakeAll, { once: true });

  const stopped = () => signal?.aborted === true;

  async function dispatch(): Promise<void> {
    if (rate === undefined) return;
    while (!stopped() && available < limit) {
      const t = now();
      const due = Math.min(limit, toDueCount(t - startMs, rate));
      if (due > available) {
        available = due;
        state.issued = available;
        const backlog = available - taken;
        if (backlog > maxBacklog) {
          const drop = backlog - maxBacklog;
          const measured = toIntendedTimeMs(startMs, rate, taken) >= measureFromMs;
          taken += drop;
          sink.failure(drop, 'backlog', measured);
        }
        state.backlog = available - taken;
        wakeAll();
      }
      if (available >= limit) break;
      await sleep(Math.max(1, toNextDueDelayMs(startMs, rate, available, now())), signal);
    }
    dispatching = false;
    wakeAll();
  }

  async function worker(index: number): Promise<void> {
    const backoff = createBackoff(options.backoff ?? WRITE_BACKOFF);
    let yieldedMs = now();
    for (;;) {
      // A backend that resolves at once (null) would otherwise loop in microtasks and starve timers and signals.
      if (now() - yieldedMs > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        yieldedMs = now();
      }
      if (stopped()) return;
      if (rate === undefined && now() >= endMs) return;
      if (taken >= available) {
        if (!dispatching) return;
        await waitForWork();
        continue;
      }
      const first = taken;
      const n = Math.min(batchSize, available - taken);
      taken += n;
      if (rate === undefined) state.issued = taken;
      const batch: Reading[] = new Array(n);
      for (let i = 0; i < n; i++) batch[i] = makeReading(first + i);
      const sentMs = now();
      state.inflight += n;
      state.backlog = Math.max(0, available - taken);
      if (rate !== undefined && sink.late) {
        const late = toLateCount(startMs, rate, first, n, sentMs);
        if (late > 0) sink.late(late, toIntendedTimeMs(startMs, rate, first) >= measureFromMs);
      }
      try {
        const durable = await backend.write(batch, index);
        const doneMs = now();
        for (let i = 0; i < n; i++) {
          const intended = rate === undefined ? sentMs : toIntendedTimeMs(startMs, rate, first + i);
          const measured = intended >= measureFromMs;
          sink.success(batch[i], (doneMs - intended) / 1000, measured);
        }
        sink.acknowledged?.(durable ?? batch);
        backoff.reset();
      } catch (err) {
        const intended = rate === undefined ? sentMs : toIntendedTimeMs(startMs, rate, first);
        sink.failure(n, backend.classifyError(err), intended >= measureFromMs);
        state.inflight = Math.max(0, state.inflight - n);
        await sleep(backoff.next(), signal);
        continue;
      } finally {
        state.backlog = Math.max(0, available - taken);
      }
      state.inflight = Math.max(0, state.inflight - n);
    }
  }

  const workers = Array.from({ length: Math.max(1, options.concurrency) }, (_, i) => worker(i));
  const done = Promise.all([dispatch(), ...workers]).then(() => {
    // Open loop stopped (end of --duration, Ctrl-C) with due readings no worker took: they were never sent,
    // like readings dropped from the backlog, and are counted so (every due reading is accounted for).
    if (rate !== undefined && taken < available) {
      const dropped = available - taken;
      const measured = toIntendedTimeMs(startMs, rate, taken) >= measureFromMs;
      taken = available;
      state.backlog = 0;
      sink.failure(dropped, 'backlog', measured);
    }
    state.endMs = now();
    signal?.removeEventListener('abort', wakeAll);
  });
  return { state, done };
}
