import { performance } from 'node:perf_hooks';
import { errorMessage, PitowerConfigError, PitowerConnectionError } from '../errors';
import { SeqSet, type AuditResult } from './audit';
import { refusedHosts, type Backend, type ErrorReason } from './backends/backend';
import { createNullBackend } from './backends/null';
import type { LoadConfig } from './options';
import { createProducerId, createReadingFactory, readValueSource, type Reading } from './reading';
import { startScheduler, type LoadSink, type SchedulerState } from './scheduler';

/** The backend's own section of the config; toLoadConfig sets it whenever --backend names that backend. */
function sectionOf<T>(section: T | undefined, backend: string): T {
  if (section === undefined) throw new Error(`load config for --backend ${backend} has no ${backend} section`);
  return section;
}

/**
 * One backend per name (kafka: one per --kafka.client); all but null are loaded lazily so `pitower load
 * --backend null` stays light and node-rdkafka, an optional dependency, is only required when chosen.
 */
export function createBackend(config: LoadConfig): Backend {
  switch (config.backend) {
    case 'null':
      return createNullBackend(1);
    case 'mysql':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./backends/mysql') as typeof import('./backends/mysql')).createMysqlBackend(sectionOf(config.mysql, 'mysql'));
    case 'kafka': {
      const kafka = sectionOf(config.kafka, 'kafka');
      if (kafka.client === 'rdkafka') {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return (require('./backends/kafka-rdkafka') as typeof import('./backends/kafka-rdkafka')).createRdkafkaBackend(kafka, config.batchSize, config.concurrency, config.audit);
      }
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./backends/kafka') as typeof import('./backends/kafka')).createKafkaBackend(kafka, config.batchSize, config.audit);
    }
    case 'cassandra':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./backends/cassandra') as typeof import('./backends/cassandra')).createCassandraBackend(sectionOf(config.cassandra, 'cassandra'), config.connectTimeoutSeconds, config.location);
    case 'mqtt':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./backends/mqtt') as typeof import('./backends/mqtt')).createMqttBackend(sectionOf(config.mqtt, 'mqtt'), config.audit);
  }
}

/** Fans one outcome out to several sinks and records acknowledged sequence numbers for the audit. */
export function combineSinks(sinks: LoadSink[], acknowledged?: SeqSet): Required<LoadSink> {
  return {
    success(reading: Reading, latency: number, measured: boolean) {
      for (const s of sinks) s.success(reading, latency, measured);
    },
    failure(count: number, reason: ErrorReason, measured: boolean) {
      for (const s of sinks) s.failure(count, reason, measured);
    },
    acknowledged(readings: Reading[]) {
      if (acknowledged) for (const r of readings) acknowledged.add(r.seq);
      for (const s of sinks) s.acknowledged?.(readings);
    },
    late(count: number, measured: boolean) {
      for (const s of sinks) s.late?.(count, measured);
    },
  };
}

export interface RunOptions {
  sinks: LoadSink[];
  /** Aborting stops issuing readings; in-flight writes get `drainMs` to finish before connections are closed. */
  signal?: AbortSignal;
  drainMs?: number;
  /** Audit even when stopped by `signal` (pitower load's Ctrl-C); the daemon's shutdown skips it. Default true. */
  auditWhenStopped?: boolean;
  /** Called once the target is reached and the schedule has started. */
  onStart?(state: SchedulerState, backend: Backend): void;
  /** Overrides the backend (tests). */
  backend?: Backend;
}

export interface RunResult {
  backend: Backend;
  producer: string;
  state: SchedulerState;
  /** Measured seconds: end of warm-up to the end of the run (every worker done, at most the end of --duration). */
  seconds: number;
  audit?: AuditResult;
  /** Set when --audit was asked for but the read-back failed: one line. */
  auditError?: string;
  /** The error behind auditError, whole (for debug output). */
  auditCause?: unknown;
  /** Wall-clock bounds of the run, for Prometheus queries afterwards. */
  startedAt: Date;
  endedAt: Date;
}

/**
 * Connects (bounded by --connect-timeout: throws PitowerConnectionError naming the target), runs the
 * schedule, commits what is pending, audits when asked, and always closes the backend.
 */
export async function runLoad(config: LoadConfig, options: RunOptions): Promise<RunResult> {
  const backend = options.backend ?? createBackend(config);
  try {
    try {
      await backend.connect(Date.now() + config.connectTimeoutSeconds * 1000);
    } catch (err) {
      if (err instanceof PitowerConfigError) throw err; // the target answered and said the config cannot work
      const message = err instanceof PitowerConnectionError ? err.message : `${backend.name} ${backend.target}: ${errorMessage(err)}`;
      // A refusal failed at once (backends do not retry it); anything else was retried until the timeout.
      const why = refusedHosts(err) ? 'refused; not retried' : `within --connect-timeout ${config.connectTimeoutSeconds}s`;
      throw new PitowerConnectionError(`cannot reach ${message} (${why})`, { cause: err });
    }
    const source = await readValueSource(config.sysfs);
    const refresh = setInterval(() => void source.refresh(), 1000);
    refresh.unref();
    const startedAt = new Date();
    const producer = createProducerId(config.host, startedAt.getTime());
    const acknowledged = config.audit ? new SeqSet() : undefined;
    const sink = combineSinks(options.sinks, acknowledged);
    const makeReading = createReadingFactory({ producer, host: config.host, location: config.location, note: config.note, source });
    // The run's own stop: the caller's signal, or the end of --duration (starts the drain bound for hung writes).
    const stop = new AbortController();
    const forward = () => stop.abort();
    options.signal?.addEventListener('abort', forward, { once: true });
    if (options.signal?.aborted) stop.abort();
    const totalSeconds = config.durationSeconds === undefined ? undefined : config.warmupSeconds + config.durationSeconds;
    const endTimer = totalSeconds === undefined ? undefined : setTimeout(forward, totalSeconds * 1000 + 50);
    endTimer?.unref();
    const scheduler = startScheduler(backend, makeReading, sink, {
      concurrency: config.concurrency,
      rate: config.rate,
      durationMs: config.durationSeconds === undefined ? undefined : config.durationSeconds * 1000,
      count: config.count,
      warmupMs: config.warmupSeconds * 1000,
      signal: stop.signal,
    });
    options.onStart?.(scheduler.state, backend);
    try {
      const abandoned = await untilDrained(scheduler.done, stop.signal, options.drainMs ?? 10000, () => void backend.close());
      if (abandoned) {
        // Writes that neither finished nor failed after the forced close (a client that keeps retrying a
        // stalled broker): counted as timeouts, and the run ends now rather than whenever they give up.
        const state = scheduler.state;
        if (state.inflight > 0) sink.failure(state.inflight, 'timeout', true);
        state.inflight = 0;
        state.endMs ??= performance.now();
      }
    } finally {
      clearInterval(refresh);
      if (endTimer) clearTimeout(endTimer);
      options.signal?.removeEventListener('abort', forward);
    }
    if (backend.flush) sink.acknowledged(await backend.flush());
    const state = scheduler.state;
    // Up to the end of --duration: writes still draining after it (a stalled target) do not stretch the window.
    const endMs = Math.min(state.endMs ?? performance.now(), state.deadlineMs);
    const seconds = Math.max(0, (endMs - state.measureFromMs) / 1000);
    const result: RunResult = { backend, producer, state, seconds, startedAt, endedAt: new Date() };
    const skipAudit = options.signal?.aborted === true && options.auditWhenStopped === false;
    // acknowledged exists exactly when config.audit is set.
    if (acknowledged && backend.audit && !skipAudit) {
      try {
        result.audit = await backend.audit(producer, acknowledged);
      } catch (err) {
        // One line for the user (driver errors can carry a server stack trace); the whole error stays in auditCause.
        result.auditError = `audit of ${backend.name} ${backend.target} failed: ${errorMessage(err).split('\n')[0].trim()}`;
        result.auditCause = err;
      }
    }
    return result;
  } finally {
    await bounded(backend.close().catch(() => undefined), CLOSE_GRACE_MS);
  }
}

/** How long a forced or final close may take before the run stops waiting for it. */
const CLOSE_GRACE_MS = 1000;

function bounded(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([promise.then(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Waits for the scheduler; once `signal` aborts, gives in-flight writes `drainMs`, then calls `force`
 * (closing connections fails the hung writes) and waits at most CLOSE_GRACE_MS more, so that a dead target
 * cannot hang the exit. Returns true when it stopped waiting with writes still pending.
 */
async function untilDrained(done: Promise<void>, signal: AbortSignal | undefined, drainMs: number, force: () => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let giveUp: () => void = () => undefined;
  const abandoned = new Promise<true>((resolve) => (giveUp = () => resolve(true)));
  const onAbort = () => {
    timer = setTimeout(() => {
      force();
      timer = setTimeout(giveUp, CLOSE_GRACE_MS);
      timer.unref();
    }, drainMs);
    timer.unref();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([done.then(() => false), abandoned]);
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
