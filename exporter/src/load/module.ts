import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import { defineModule, type DaemonExtension, type DaemonModule } from '../daemon/extension';
import { errorMessage, PitowerConnectionError } from '../errors';
import type { AuditResult } from './audit';
import { ERROR_REASONS, type Backend } from './backends/backend';
import { loadSchema, toLoadConfig, type LoadConfig } from './options';
import { createBackoff, sleep } from '../retry';
import { runLoad, createBackend } from './run';
import { LATE_START_SECONDS, toScheduleLagSeconds, type LoadSink, type SchedulerState } from './scheduler';

/** Latency buckets from 100 µs to 10 s (roughly 1-2.5-5 per decade). */
export const LOAD_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Labels of pitower_load_info; those that do not apply to the backend are empty (absent in PromQL). */
export const LOAD_INFO_LABELS = ['backend', 'target', 'loop', 'mode', 'acks', 'compression', 'topic', 'rows_per_statement', 'commit_every', 'consistency', 'partition_key'] as const;

/** The `target` label: the backend's target without secrets; empty for the null backend. */
export function toTargetLabel(backend: Pick<Backend, 'name' | 'target'>): string {
  return backend.name === 'null' ? '' : backend.target;
}

/** pitower_load_info label values for a config and its backend. Pure. */
export function toInfoLabels(config: LoadConfig, backend: Pick<Backend, 'name' | 'target' | 'info'>): Record<(typeof LOAD_INFO_LABELS)[number], string> {
  const labels = Object.fromEntries(LOAD_INFO_LABELS.map((l) => [l, ''])) as Record<(typeof LOAD_INFO_LABELS)[number], string>;
  for (const [k, v] of Object.entries(backend.info)) if (k in labels) labels[k as keyof typeof labels] = v;
  labels.backend = config.backend;
  labels.target = toTargetLabel(backend);
  labels.loop = config.rate === undefined ? 'closed' : 'open';
  return labels;
}

interface LoadMetrics {
  sink: LoadSink;
  /** A failed connect, counted by what the target said (the PitowerConnectionError's cause). */
  connectFailed(err: unknown): void;
  setAudit(audit: AuditResult): void;
}

function createLoadMetrics(registry: Registry, config: LoadConfig, backend: Backend, state: () => SchedulerState | undefined): LoadMetrics {
  const labels = { backend: config.backend };
  const transactions = new Counter({
    name: 'pitower_load_transactions_total',
    help: 'Readings the target acknowledged (one reading = one transaction); TPS is rate() of this.',
    labelNames: ['backend', 'target'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'pitower_load_errors_total',
    help: 'Failed readings by reason, plus one per failed connection attempt while the target is unreachable.',
    labelNames: ['backend', 'reason'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'pitower_load_latency_seconds',
    help: 'Write latency of a reading: from the send (closed loop) or the intended send time (open loop) to the acknowledgement.',
    labelNames: ['backend'],
    buckets: LOAD_LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'pitower_load_inflight',
    help: 'Readings being written right now.',
    registers: [registry],
    collect() {
      this.set(state()?.inflight ?? 0);
    },
  });
  new Gauge({
    name: 'pitower_load_schedule_lag_seconds',
    help: 'Open loop: age of the oldest due reading no worker has started (0 = on schedule; growing = the generator or the target cannot keep --load.rate); 0 in closed loop.',
    registers: [registry],
    collect() {
      const s = state();
      this.set(s && s.endMs === undefined ? toScheduleLagSeconds(s.startMs, config.rate, s.issued, s.backlog, performance.now()) : 0);
    },
  });
  const late = new Counter({
    name: 'pitower_load_late_readings_total',
    help: `Open loop: readings started ${LATE_START_SECONDS * 1000} ms or more after their intended send time (the schedule slipped); dropped ones are errors{reason="backlog"}.`,
    labelNames: ['backend'],
    registers: [registry],
  });
  late.inc(labels, 0);
  new Gauge({ name: 'pitower_load_concurrency_limit', help: 'Maximum writes in flight (--load.concurrency).', registers: [registry] }).set(config.concurrency);
  new Gauge({ name: 'pitower_load_target_rate', help: 'Open-loop target rate in readings per second (--load.rate); 0 in closed loop.', registers: [registry] }).set(config.rate ?? 0);
  new Gauge({ name: 'pitower_load_info', help: 'The load generator\'s configuration; always 1.', labelNames: [...LOAD_INFO_LABELS], registers: [registry] }).set(toInfoLabels(config, backend), 1);
  const auditGauges = {
    acknowledged: new Gauge({ name: 'pitower_load_audit_acknowledged_readings', help: 'Audit after a finished run: readings the target acknowledged.', labelNames: ['backend'], registers: [registry] }),
    found: new Gauge({ name: 'pitower_load_audit_found_readings', help: 'Audit after a finished run: distinct readings of the run read back from the target.', labelNames: ['backend'], registers: [registry] }),
    lost: new Gauge({ name: 'pitower_load_audit_lost_readings', help: 'Audit after a finished run: acknowledged readings missing from the target.', labelNames: ['backend'], registers: [registry] }),
    duplicated: new Gauge({ name: 'pitower_load_audit_duplicated_readings', help: 'Audit after a finished run: extra copies of readings in the target.', labelNames: ['backend'], registers: [registry] }),
    unacknowledgedPresent: new Gauge({
      name: 'pitower_load_audit_unacknowledged_present_readings',
      help: 'Audit after a finished run: readings found although their write was not acknowledged.',
      labelNames: ['backend'],
      registers: [registry],
    }),
  };
  const target = { backend: config.backend, target: toTargetLabel(backend) };
  transactions.inc(target, 0);
  for (const reason of ERROR_REASONS) errors.inc({ backend: config.backend, reason }, 0);

  return {
    sink: {
      success(_reading, latencySeconds) {
        transactions.inc(target);
        latency.observe(labels, latencySeconds);
      },
      failure(count, reason) {
        errors.inc({ backend: config.backend, reason }, count);
      },
      late(count) {
        late.inc(labels, count);
      },
    },
    // Counted by what the target said (a wrong password is `auth`, not `connection`).
    connectFailed: (err: unknown) => {
      let inner = err;
      while (inner instanceof PitowerConnectionError && inner.cause !== undefined) inner = inner.cause;
      errors.inc({ backend: config.backend, reason: inner === err ? 'connection' : backend.classifyError(inner) });
    },
    setAudit(audit) {
      for (const key of Object.keys(auditGauges) as (keyof typeof auditGauges)[]) auditGauges[key].set(labels, audit[key]);
    },
  };
}

/**
 * The load generator inside `pitower exporter`: runs until stopped (or for --load.duration / --load.count),
 * retrying the connection with backoff while the target is down; audits a finished run when --load.audit.
 */
export function createLoadExtension(config: LoadConfig): DaemonExtension {
  const backend = createBackend(config);
  const stop = new AbortController();
  let state: SchedulerState | undefined;
  let loop: Promise<void> | undefined;
  let status = 'starting';
  let transactions = 0;

  async function run(metrics: LoadMetrics, logger: FastifyBaseLogger): Promise<void> {
    const backoff = createBackoff({ initialMs: 500, maxMs: 30000, factor: 2, jitter: 0.2 });
    const counting: LoadSink = { success: () => void transactions++, failure: () => undefined };
    while (!stop.signal.aborted) {
      try {
        status = 'connecting';
        const result = await runLoad(config, {
          sinks: [metrics.sink, counting],
          signal: stop.signal,
          backend,
          // The daemon has 5 s to shut down (http/server.ts): 2 s for in-flight writes, no audit read-back.
          drainMs: 2000,
          auditWhenStopped: false,
          onStart: (s) => {
            state = s;
            status = 'running';
            backoff.reset();
            logger.info({ backend: config.backend, target: backend.target }, 'load generator started');
          },
        });
        if (result.audit) metrics.setAudit(result.audit);
        if (result.auditError) logger.warn({ err: result.auditError }, 'load audit failed');
        status = stop.signal.aborted ? 'stopped' : 'finished';
        logger.info({ backend: config.backend, transactions, audit: result.audit }, 'load run finished');
        return;
      } catch (err) {
        if (!(err instanceof PitowerConnectionError)) {
          status = `failed: ${errorMessage(err)}`;
          logger.error({ err: errorMessage(err) }, 'load generator failed');
          return;
        }
        metrics.connectFailed(err);
        const delay = backoff.next();
        status = `target unreachable, retrying in ${(delay / 1000).toFixed(1)}s`;
        logger.warn({ err: errorMessage(err), retryInMs: delay }, 'load target unreachable');
        await sleep(delay, stop.signal);
      }
    }
  }

  return {
    name: 'load',
    async start({ registry, logger }) {
      const metrics = createLoadMetrics(registry, config, backend, () => state);
      loop = run(metrics, logger);
    },
    async stop() {
      stop.abort();
      await loop;
      await backend.close().catch(() => undefined);
    },
    describe() {
      const loopText = config.rate === undefined ? `closed loop, concurrency ${config.concurrency}` : `open loop ${config.rate}/s, concurrency ${config.concurrency}`;
      return `load: ${config.backend} ${backend.target}, ${loopText}, ${transactions} transactions, ${status}`;
    },
  };
}

/** `--load.*` flags of `pitower exporter`; enabled by --load.backend. */
export const LOAD_MODULE: DaemonModule = defineModule({
  name: 'load',
  schema: loadSchema('load.'),
  create(values, context) {
    if (!values.backend) return undefined;
    return createLoadExtension(toLoadConfig(values, 'load.', context.sysfs));
  },
});
