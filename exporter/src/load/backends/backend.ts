import type { AuditResult, SeqSet } from '../audit';
import type { Reading } from '../reading';

export const BACKEND_NAMES = ['null', 'mysql', 'kafka', 'cassandra', 'mqtt'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * Bounded set of `reason` label values of pitower_load_errors_total:
 * connection (refused/reset/closed), timeout, not_leader (Kafka leadership moved), unavailable (too few
 * replicas alive: Kafka NOT_ENOUGH_REPLICAS, Cassandra Unavailable), overloaded (the server shed the
 * request: Cassandra Overloaded), auth (bad credentials or not authorized), rejected (the server answered
 * with another error), backlog (open loop: readings dropped because the target fell too far behind), other.
 */
export const ERROR_REASONS = ['connection', 'timeout', 'not_leader', 'unavailable', 'overloaded', 'auth', 'rejected', 'backlog', 'other'] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/**
 * One target of the load generator. The scheduler calls `write` from `concurrency` workers, each with its
 * own index (MySQL keeps one connection per worker); a failed write is counted by reason and the worker
 * backs off, so a backend only needs to make the next write reconnect.
 */
export interface Backend {
  readonly name: BackendName;
  /** The target as shown in messages and the `target` label, without secrets (`127.0.0.1:3306/lab`). */
  readonly target: string;
  /** Readings per write call (rows per INSERT, messages per Kafka batch). */
  readonly batchSize: number;
  /** Extra labels of pitower_load_info (mode, acks, ...). */
  readonly info: Record<string, string>;
  /** Reaches the target and creates the schema; throws within `deadlineMs` (absolute ms) if it cannot. */
  connect(deadlineMs: number): Promise<void>;
  /**
   * Writes one batch. Resolves with the readings this call made durable when that differs from the batch
   * (MySQL with --commit-every > 1 acknowledges rows at COMMIT); undefined means the batch itself.
   */
  write(batch: Reading[], worker: number): Promise<Reading[] | undefined>;
  /** After the last write: commits what is pending; returns what that made durable. */
  flush?(): Promise<Reading[]>;
  /** Reads back this run's readings and reconciles them with the acknowledged ones. */
  audit?(producer: string, acknowledged: SeqSet): Promise<AuditResult>;
  /** Maps a write error to a bounded reason label. */
  classifyError(err: unknown): ErrorReason;
  /** Releases every connection; safe to call twice and after a failed connect. */
  close(): Promise<void>;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ERR_STREAM_DESTROYED',
]);

/** Answers that come at once and will not change by waiting: nothing listens there, or the name is unknown. */
const REFUSAL_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/**
 * The hosts that refused, when `err` is nothing but refusals (walking kafkajs' `originalError`, the driver's
 * per-host `innerErrors` and `cause`); undefined otherwise. A refusal is not retried at connect: it fails at
 * once with its reason instead of waiting out --connect-timeout. Hosts are "" when the error does not say.
 */
export function refusedHosts(err: unknown): string[] | undefined {
  const e = err as { code?: unknown; broker?: unknown; address?: unknown; port?: unknown; originalError?: unknown; innerErrors?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object') return undefined;
  if (typeof e.code === 'string' && REFUSAL_CODES.has(e.code)) {
    const host = typeof e.broker === 'string' ? e.broker : typeof e.address === 'string' ? `${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : '';
    return [host];
  }
  if (e.innerErrors && typeof e.innerErrors === 'object') {
    const entries = Object.entries(e.innerErrors as Record<string, unknown>);
    if (entries.length === 0) return undefined;
    const hosts: string[] = [];
    for (const [host, inner] of entries) {
      if (!refusedHosts(inner)) return undefined;
      hosts.push(host);
    }
    return hosts;
  }
  if (e.originalError) return refusedHosts(e.originalError);
  if (e.cause) return refusedHosts(e.cause);
  return undefined;
}

/** Reason for errors every backend shares (socket-level codes); undefined when it is backend-specific. */
export function classifyCommonError(err: unknown): ErrorReason | undefined {
  const e = err as { code?: unknown; errno?: unknown; name?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'ETIMEDOUT' || code === 'PROTOCOL_SEQUENCE_TIMEOUT') return 'timeout';
  if (code && CONNECTION_CODES.has(code)) return 'connection';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/timed? ?out/i.test(message)) return 'timeout';
  if (/closed state|connection (is )?closed|socket|ECONNREFUSED|ECONNRESET|not connected/i.test(message)) return 'connection';
  return undefined;
}
