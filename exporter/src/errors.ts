import type { Stats } from 'node:fs';
/**
 * One error hierarchy for pitower. Callers branch on the class or on `retriable`, never on message text.
 */
export class PitowerError extends Error {
  readonly retriable: boolean;
  override readonly cause?: unknown;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message);
    this.name = 'PitowerError';
    this.retriable = options.retriable ?? false;
    this.cause = options.cause;
  }
}

/** Bad input from a flag, a config file or the environment: printed as one line, exit code 2. */
export class PitowerConfigError extends PitowerError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'PitowerConfigError';
  }
}

/** A collector's source is absent on this host (no thermal zone, no get_throttled): normal, not a failure. */
export class PitowerNoDataError extends PitowerError {
  constructor(message: string) {
    super(message);
    this.name = 'PitowerNoDataError';
  }
}

/** A collector read its sources but some values were unusable; what was usable is still exposed. */
export class PitowerPartialDataError extends PitowerError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('; '));
    this.name = 'PitowerPartialDataError';
    this.problems = problems;
  }
}

/** A target (Kafka, MySQL, Cassandra, Prometheus) could not be reached; usually retriable. */
export class PitowerConnectionError extends PitowerError {
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { retriable: options.retriable ?? true, cause: options.cause });
    this.name = 'PitowerConnectionError';
  }
}

/** Something did not answer within its time budget (withDeadline). */
export class PitowerTimeoutError extends PitowerError {
  constructor(message: string) {
    super(message, { retriable: true });
    this.name = 'PitowerTimeoutError';
  }
}

/** Text of an unknown thrown value, for one-line messages. */
export function errorMessage(err: unknown): string {
  // Not `instanceof Error`: errors from Node's core modules can come from another realm (jest, vm).
  if (err !== null && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}

/** What a non-regular file is, for an error message: "a directory", "a FIFO", ... */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return stats.isFile() ? 'a regular file' : 'not a file';
}
