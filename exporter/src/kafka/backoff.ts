export interface BackoffOptions {
  /** Delay before the first retry, seconds. */
  initial: number;
  /** Upper bound, seconds. */
  max: number;
  /** Fraction of the delay randomised either way, 0..1 (0.2 = ±20 %). */
  jitter: number;
}

/**
 * Jittered exponential backoff: attempt 0 waits `initial`, each further attempt doubles, capped at `max`,
 * then spread by ±jitter so several exporters do not reconnect in lockstep. Pure (random is injected).
 *
 *   initial 1, max 30, jitter 0: attempts 0..6 -> 1, 2, 4, 8, 16, 30, 30
 */
export function backoffSeconds(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.max, options.initial * 2 ** Math.max(0, attempt));
  const spread = 1 - options.jitter + 2 * options.jitter * random();
  return Math.min(options.max, base * spread);
}
