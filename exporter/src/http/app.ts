import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { CollectorRunner } from '../collectors/runner';
import type { DaemonExtension, Exposition } from '../daemon/extension';
import { errorMessage } from '../errors';
import { assembleGzip, deflatePart, deflatePartSync, type DeflatedPart } from '../exposition/gzip-stream';
import { renderLandingPage } from './landing-page';
import { BasicAuth, checkClientCert, toSecureContext, type WebConfig } from './web-config';

export interface AppOptions {
  registry: Registry;
  runner: CollectorRunner;
  telemetryPath: string;
  version: string;
  extensions?: DaemonExtension[];
  logger?: FastifyServerOptions['logger'];
  /** --web.config.file: HTTPS and basic auth. */
  webConfig?: WebConfig;
  /** --web.max-requests: scrapes served at once; more get 503 (0 = no limit). */
  maxRequests?: number;
}


/**
 * Socket limits against slow or stuck clients (a Prometheus scrape request is a few hundred bytes, sent at
 * once): its headers must arrive within HEADERS_TIMEOUT_MS and the whole request within REQUEST_TIMEOUT_MS,
 * a connection idle between requests is closed after KEEP_ALIVE_TIMEOUT_MS (above the 15 s scrape interval,
 * so Prometheus keeps its connection), and request headers may hold at most MAX_HEADER_BYTES.
 */
/** Default of --web.max-requests, node_exporter's. */
export const DEFAULT_MAX_REQUESTS = 40;

export const HEADERS_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;
export const MAX_HEADER_BYTES = 8_192;
/** How often Node checks the two request timeouts (its default, 30 s, would let slow clients linger). */
const TIMEOUT_CHECK_MS = 1_000;

/** What buildApp hands back besides the app: how to apply a reread --web.config.file. */
export interface WebSecurity {
  /** Applies a reread file: users at once, certificates for new connections. Returns what it could not apply. */
  reload(config: WebConfig): string | undefined;
}

/**
 * The time a scrape may spend in collectors: Prometheus' scrape timeout (sent with every scrape) less
 * half a second for rendering and the network; unbounded (the runner's own timeout applies) without it.
 */
export function scrapeBudgetMs(header: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(seconds) || seconds <= 0) return Infinity;
  return Math.max(100, seconds * 1000 - 500);
}

/**
 * Most requests one connection may have in flight at once. Prometheus and browsers send one at a time;
 * a client pipelining more would make every queued response wait in memory (1,000 pipelined scrapes cost
 * ~110 MB), so the connection is closed instead.
 */
export const MAX_PIPELINED_REQUESTS = 8;

/** How long opening `/` may wait for its own run of the collectors. */
export const LANDING_PAGE_COLLECT_MS = 2000;

/** Builds the exporter's HTTP app: /metrics, /, /-/healthy, /-/ready. Does not listen (see server.ts). */
export function buildApp(options: AppOptions): FastifyInstance {
  return buildSecuredApp(options).app;
}

/** buildApp, and the handle that applies a reread --web.config.file (SIGHUP). */
export function buildSecuredApp(options: AppOptions): { app: FastifyInstance; security: WebSecurity } {
  const { registry, runner, telemetryPath, version } = options;
  const extensions = options.extensions ?? [];
  let tls = options.webConfig?.tls;
  const socketLimits = { maxHeaderSize: MAX_HEADER_BYTES, connectionsCheckingInterval: TIMEOUT_CHECK_MS, headersTimeout: HEADERS_TIMEOUT_MS };
  const base = {
    logger: options.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  } as const;
  const app = (tls ? Fastify({ ...base, https: { ...toSecureContext(tls), ...socketLimits } }) : Fastify({ ...base, http: socketLimits })) as unknown as FastifyInstance;
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  const maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
  let scraping = 0;
  const rejected = new Counter({
    name: 'pitower_http_requests_rejected_total',
    help: 'Scrapes answered 503 because --web.max-requests were already being served.',
    registers: [registry],
  });
  let ready = false;
  const auth = new BasicAuth(options.webConfig?.users ?? new Map());
  const security: WebSecurity = {
    reload(config) {
      auth.setUsers(config.users);
      if (!tls !== !config.tls) return `TLS ${config.tls ? 'added' : 'removed'}: restart pitower to ${config.tls ? 'serve HTTPS' : 'serve plain HTTP'}`;
      if (config.tls) {
        (app.server as unknown as import('node:tls').Server).setSecureContext(toSecureContext(config.tls));
        tls = config.tls;
      }
      return undefined;
    },
  };

  // Before everything else: a client that fails TLS client auth or basic auth gets nothing else.
  app.addHook('onRequest', async (request, reply) => {
    if (tls && tls.clientAuthType !== 'NoClientCert') {
      const socket = request.raw.socket as import('node:tls').TLSSocket;
      const presented = Object.keys(socket.getPeerCertificate?.() ?? {}).length > 0;
      if (!checkClientCert(tls.clientAuthType, presented, socket.authorized === true)) {
        return reply.code(403).type('text/plain').send(`client certificate ${presented ? 'not trusted' : 'required'} (${tls.clientAuthType})\n`);
      }
    }
    if (auth.enabled && !(await auth.check(request.headers.authorization))) {
      return reply.code(401).header('www-authenticate', 'Basic realm="pitower"').type('text/plain').send('Unauthorized\n');
    }
  });

  const inFlight = new WeakMap<object, number>();
  app.addHook('onRequest', async (request, reply) => {
    const socket = request.raw.socket;
    const count = (inFlight.get(socket) ?? 0) + 1;
    if (count > MAX_PIPELINED_REQUESTS) {
      if (!socket.destroyed) {
        request.log.warn({ remote: request.ip, limit: MAX_PIPELINED_REQUESTS }, 'closing a connection with too many pipelined requests');
        socket.destroy();
      }
      return reply.hijack();
    }
    inFlight.set(socket, count);
    reply.raw.once('close', () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
  });

  app.get(telemetryPath, async (request, reply) => {
    if (maxRequests > 0 && scraping >= maxRequests) {
      rejected.inc();
      return reply.code(503).type('text/plain').send(`${scraping} scrapes already in flight (--web.max-requests ${maxRequests}); try again\n`);
    }
    scraping++;
    try {
      return await scrape(request, reply);
    } finally {
      scraping--;
    }
  });

  // Scrapes that waited on the same collection share one rendering of the registry: 40 concurrent scrapers
  // then cost one text, not 40 (each ~100 KB of strings, which left RSS a quarter higher after a burst).
  const renders = new WeakMap<Promise<void>, Promise<string>>();
  const render = (collected: Promise<void>): Promise<string> => {
    let text = renders.get(collected);
    if (!text) {
      text = registry.metrics();
      renders.set(collected, text);
    }
    return text;
  };

  const deflatedParts = new DeflatedParts();
  const scrape = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const collected = runner.collect(scrapeBudgetMs(request.headers['x-prometheus-scrape-timeout-seconds']));
    await collected;
    const text = await render(collected);
    reply.type(registry.contentType);
    const extra = extensions.flatMap((e) => (e.exposition ? [{ extension: e, exposition: e.exposition() }] : []));
    if (extra.length === 0) return reply.send(text);
    // Only the small registry text is compressed per scrape; the big pre-rendered families are deflated once
    // per generation and spliced into the same gzip stream.
    const deflated = extra.flatMap((x) => deflatedParts.get(x.extension, x.exposition) ?? []);
    if (deflated.length === extra.length && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
      return reply.header('content-encoding', 'gzip').send(assembleGzip([deflatePartSync(Buffer.from(text)), ...deflated]));
    }
    return reply.send(Buffer.concat([Buffer.from(text), ...extra.map((x) => x.exposition.plain)]));
  };

  app.get('/', async (_request, reply) => {
    // The page tells what the collectors find now, not what the last scrape found (or "not scraped yet").
    await runner.collect(LANDING_PAGE_COLLECT_MS);
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
    const stuck = runner.stuck();
    if (stuck.length > 0) {
      const list = stuck.map((s) => `${s.name} (running for ${s.seconds} s)`).join(', ');
      return reply.code(503).type('text/plain').send(`Not ready: collector stuck reading its source: ${list}\n`);
    }
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
  return { app, security };
}

/**
 * One deflated copy of each extension's exposition per generation, made in zlib's thread pool: until it is
 * ready (or when it belongs to an older generation) `get` returns undefined and the scrape gets plain text.
 */
export class DeflatedParts {
  private readonly parts = new WeakMap<object, { generation: number; part?: DeflatedPart }>();

  get(owner: object, exposition: Exposition): DeflatedPart | undefined {
    const entry = this.parts.get(owner);
    if (entry && entry.generation === exposition.generation) return entry.part;
    const next: { generation: number; part?: DeflatedPart } = { generation: exposition.generation };
    this.parts.set(owner, next);
    deflatePart(exposition.plain).then(
      (part) => {
        next.part = part;
      },
      () => undefined, // scrapes keep getting the plain text
    );
    return undefined;
  }
}
