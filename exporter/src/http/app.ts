import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';
import type { CollectorRunner } from '../collectors/runner';
import type { DaemonExtension } from '../daemon/extension';
import { errorMessage } from '../errors';
import { assembleGzip, deflatePartSync } from './gzip-stream';
import { renderLandingPage } from './landing-page';

export interface AppOptions {
  registry: Registry;
  runner: CollectorRunner;
  telemetryPath: string;
  version: string;
  extensions?: DaemonExtension[];
  logger?: FastifyServerOptions['logger'];
}

/** Builds the exporter's HTTP app: /metrics, /, /-/healthy, /-/ready. Does not listen (see server.ts). */
export function buildApp(options: AppOptions): FastifyInstance {
  const { registry, runner, telemetryPath, version } = options;
  const extensions = options.extensions ?? [];
  const app = Fastify({
    logger: options.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  let ready = false;

  app.get(telemetryPath, async (request, reply) => {
    await runner.collect();
    const text = await registry.metrics();
    reply.type(registry.contentType);
    const extra = extensions.flatMap((e) => (e.exposition ? [e.exposition()] : []));
    if (extra.length === 0) return reply.send(text);
    // Only the small registry text is compressed per scrape; the big pre-rendered families were deflated
    // once, when they were polled, and are spliced into the same gzip stream.
    const deflated = extra.flatMap((x) => (x.deflated ? [x.deflated] : []));
    if (deflated.length === extra.length && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
      return reply.header('content-encoding', 'gzip').send(assembleGzip([deflatePartSync(Buffer.from(text)), ...deflated]));
    }
    return reply.send(Buffer.concat([Buffer.from(text), ...extra.map((x) => x.plain)]));
  });

  app.get('/', async (_request, reply) => {
    const page = renderLandingPage({
      version,
      telemetryPath,
      collectors: runner.statuses(),
      extensions: extensions.map((e) => e.describe?.() ?? e.name),
    });
    return reply.type('text/html; charset=utf-8').send(page);
  });

  app.get('/-/healthy', async (_request, reply) => reply.type('text/plain').send('Healthy\n'));
  app.get('/-/ready', async (_request, reply) => {
    if (!ready) return reply.code(503).type('text/plain').send('Not ready\n');
    return reply.type('text/plain').send('Ready\n');
  });

  // Started once the port is bound, not on ready: a daemon that fails to listen (port in use) must not
  // have written load or polled Kafka before it exits.
  app.addHook('onListen', async () => {
    for (const extension of extensions) {
      const logger = app.log.child({ component: extension.name });
      await extension.start({ registry, logger }).catch((err: unknown) => logger.error({ err: errorMessage(err) }, 'failed to start'));
    }
    ready = true;
  });
  app.addHook('onClose', async () => {
    ready = false;
    await Promise.allSettled(extensions.map((e) => e.stop()));
  });
  return app;
}
