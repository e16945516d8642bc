import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Collector } from '../collectors/collector';
import { COLLECTORS } from '../collectors/registry';
import { CollectorRunner } from '../collectors/runner';
import type { ListenAddress } from '../config/parse';
import type { DaemonExtension } from '../daemon/extension';
import { PitowerConfigError, errorMessage } from '../errors';
import { VERSION } from '../version';
import { buildSecuredApp, type WebSecurity } from './app';
import type { WebConfig } from './web-config';
import { readWebConfig } from './web-config';
import { loggerOptions } from './logger';

/** Everything the daemon serves, wired but not listening: used by `pitower exporter`, tests and the benchmark. */
/** What the daemon runs with: `pitower exporter`'s resolved flags (commands/exporter-options.ts). */
export interface ExporterConfig {
  listenAddress: ListenAddress;
  telemetryPath: string;
  sysfs: string;
  procfs: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logFormat: 'logfmt' | 'json';
  collectors: string[];
  collectorTimeoutSeconds: number;
  maxRequests: number;
  /** --web.config.file, read and checked (certificates loaded once). */
  webConfig?: WebConfig;
}

export function createExporter(config: ExporterConfig, extensions: DaemonExtension[] = [], withLogger = true): FastifyInstance {
  return assemble(config, extensions, withLogger).app;
}

function assemble(config: ExporterConfig, extensions: DaemonExtension[], withLogger: boolean): { app: FastifyInstance; runner: CollectorRunner; security: WebSecurity } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names these gauges *_total, which `promtool check metrics` rejects for non-counters.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  new Gauge({
    name: 'pitower_build_info',
    help: 'pitower version and the Node.js version it runs on; always 1.',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
  }).set({ version: VERSION, nodejs: process.versions.node }, 1);

  const context = { registry, sysfs: config.sysfs, procfs: config.procfs };
  const collectors: Collector[] = COLLECTORS.filter((c) => config.collectors.includes(c.name)).map((c) => c.create(context));
  for (const extension of extensions) if (extension.collector) collectors.push(extension.collector);

  // The runner logs through the app's logger, which exists only once the app is built.
  const log: { to?: FastifyBaseLogger } = {};
  const runner = new CollectorRunner(collectors, registry, {
    debug: (obj, msg) => log.to?.debug(obj, msg),
    warn: (obj, msg) => log.to?.warn(obj, msg),
  }, { timeoutSeconds: config.collectorTimeoutSeconds });
  const { app, security } = buildSecuredApp({
    registry,
    runner,
    telemetryPath: config.telemetryPath,
    version: VERSION,
    extensions,
    logger: withLogger ? loggerOptions(config.logLevel, config.logFormat) : false,
    webConfig: config.webConfig,
    maxRequests: config.maxRequests,
  });
  log.to = app.log;
  return { app, runner, security };
}

/** Listens; a taken or unavailable address becomes a one-line PitowerConfigError naming the flag. */
export async function listen(app: FastifyInstance, config: ExporterConfig): Promise<string> {
  const { host, port, text } = config.listenAddress;
  try {
    return await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE' ? 'address already in use'
      : code === 'EADDRNOTAVAIL' ? 'address not available on this host'
      : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `unknown host "${host}"`
      : errorMessage(err);
    throw new PitowerConfigError(`--web.listen-address ${text}: ${why}`);
  }
}

/** How long a graceful shutdown (Kafka clients, the load generator's last writes) may take. */
export const SHUTDOWN_DEADLINE_MS = 5000;

/** Runs the daemon until SIGTERM/SIGINT, then closes everything and exits 0. */
export async function runExporter(config: ExporterConfig, extensions: DaemonExtension[]): Promise<void> {
  const { app, runner, security } = assemble(config, extensions, true);
  const url = await listen(app, config);
  const web = config.webConfig;
  app.log.info(
    { address: url, version: VERSION, collectors: config.collectors.join(','), tls: web?.tls ? web.tls.clientAuthType : 'off', basic_auth_users: web?.users.size ?? 0 },
    'pitower exporter listening',
  );
  if (web) {
    // A renewed certificate or a changed password needs no restart: SIGHUP rereads the file (a bad one is logged and the old one kept).
    process.on('SIGHUP', () => {
      try {
        const next = readWebConfig(web.path);
        const problem = security.reload(next);
        if (problem) app.log.warn({ file: web.path }, `web config reread; ${problem}`);
        else app.log.info({ file: web.path, tls: next.tls ? next.tls.clientAuthType : 'off', basic_auth_users: next.users.size }, 'web config reread');
      } catch (err) {
        app.log.error({ file: web.path, err: errorMessage(err) }, 'web config not reread; the previous one stays in force');
      }
    });
  }

  let stopping = false;
  const exit = (code: number) => {
    // process.exit() waits for the libuv thread pool: a collector stuck in a read that never returns would
    // keep the process alive after "shutting down". Only SIGKILL ends a process with such a thread.
    const stuck = runner.stuck();
    if (stuck.length > 0) {
      app.log.error({ collectors: stuck.map((s) => `${s.name} (${s.seconds} s)`).join(', ') }, 'collectors stuck in their sources; ending with SIGKILL');
      process.kill(process.pid, 'SIGKILL');
    }
    process.exit(code);
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return exit(1);
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      app.log.error({ seconds: SHUTDOWN_DEADLINE_MS / 1000 }, 'shutdown did not finish in time; exiting');
      exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    app.close().then(
      () => exit(0),
      () => exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
