import { PitowerTimeoutError } from './errors';

/**
 * The one retry/backoff and deadline home of pitower: jittered exponential
 * backoff, kafkajs-style. Pure delay maths in `toBackoffDelay`; `createBackoff` keeps the attempt count.
 */
export interface BackoffOptions {
  /** First delay, milliseconds. */
  initialMs: number;
  /** Upper bound of any delay, milliseconds. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
  /** 0..1: the delay is drawn uniformly from [d*(1-jitter), d*(1+jitter)], then capped at maxMs. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.2 };

/** Delay before retry number `attempt` (0 = first retry). `random` in [0,1). */
export function toBackoffDelay(attempt: number, options: BackoffOptions, random: number): number {
  const base = Math.min(options.maxMs, options.initialMs * Math.pow(options.factor, Math.max(0, attempt)));
  const jittered = base * (1 - options.jitter + 2 * options.jitter * random);
  return Math.round(Math.min(options.maxMs, Math.max(0, jittered)));
}

export interface Backoff {
  /** The next delay (and count the attempt). */
  next(): number;
  reset(): void;
  readonly attempts: number;
}

export function createBackoff(options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): Backoff {
  let attempts = 0;
  return {
    next: () => toBackoffDelay(attempts++, options, random()),
    reset: () => {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}

/** A sleep that a stop signal cuts short. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Calls `fn` until it succeeds, `retriable(err)` is false, or `deadlineMs` (absolute, Date.now based) has
 * passed (the last attempt is made at the deadline); then rethrows the last error.
 */
export async function retryUntil<T>(
  fn: (attempt: number) => Promise<T>,
  options: { deadlineMs: number; retriable?: (err: unknown) => boolean; backoff?: BackoffOptions; signal?: AbortSignal },
): Promise<T> {
  const backoff = createBackoff(options.backoff ?? DEFAULT_BACKOFF);
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const delay = backoff.next();
      if (options.retriable && !options.retriable(err)) throw err;
      const remaining = options.deadlineMs - Date.now();
      if (options.signal?.aborted || remaining <= 0) throw err;
      await sleep(Math.min(delay, remaining), options.signal);
    }
  }
}

/** Rejects with a PitowerTimeoutError(`message`) if `promise` has not settled by `deadlineMs` (absolute, Date.now based). */
export function withDeadline<T>(promise: Promise<T>, deadlineMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PitowerTimeoutError(message)), Math.max(0, deadlineMs - Date.now()));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
