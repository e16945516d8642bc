/**
 * Test support: a real Prometheus (Debian's /usr/bin/prometheus) on a private 127.0.0.1 port with a temp
 * config and data dir, and a tiny static /metrics server to be its scrape target.
 *
 *   const target = await serveMetricsText(() => `pitower_x_total ${n++}\n`);
 *   const prom = await startPrometheus({ configYaml: `
 *   global: { scrape_interval: 1s }
 *   scrape_configs:
 *     - job_name: t
 *       static_configs: [{ targets: ['${target.target}'] }]
 *   ` });
 *   try { ... await prom.waitForQuery('up == 1') ... } finally { await prom.stop(); await target.stop(); }
 *
 * Relative paths in the config (rule_files, file_sd_configs) resolve against the temp dir, which is where
 * `files` are written, so `rule_files: [rules.yml]` with `files: {'rules.yml': ...}` works. The literal
 * `{{dir}}` in configYaml or in a file is replaced with the temp dir's absolute path.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, launchServer, type ServerProcess } from './server-process';

export const PROMETHEUS_BIN = process.env.PITOWER_TEST_PROMETHEUS ?? '/usr/bin/prometheus';

export interface PromSample {
  metric: Record<string, string>;
  /** Instant vectors: [unix seconds, value as text]. */
  value?: [number, string];
  /** Range vectors / query_range matrices. */
  values?: [number, string][];
}

/** The `data` member of a Prometheus HTTP API query answer. */
export interface PromQueryData {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: PromSample[];
}

export interface StartPrometheusOptions {
  configYaml: string;
  /** Extra files written into the temp dir before start (rules, file_sd targets); keys are relative paths. */
  files?: Record<string, string>;
  extraArgs?: string[];
  /** How long to wait for /-/ready; default 30 s. */
  readyTimeoutMs?: number;
}

export interface PrometheusHandle {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  /** Temp dir holding prometheus.yml, the extra files and data/. Removed by stop(). */
  dir: string;
  /** Instant query via /api/v1/query (optionally at `time`); throws on HTTP or API errors. */
  query(expr: string, time?: Date): Promise<PromQueryData>;
  /** Polls query(expr) until `accept` (default: a non-empty result) holds; throws after timeoutMs (default 20 s). */
  waitForQuery(expr: string, accept?: (data: PromQueryData) => boolean, timeoutMs?: number): Promise<PromQueryData>;
  /** Everything Prometheus wrote to stderr so far (its log), for failure messages. */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export { freePort };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text.split('{{dir}}').join(dir));
  }
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'pitower-prom-'));
  let server: ServerProcess;
  try {
    writeFiles(dir, { ...(options.files ?? {}), 'prometheus.yml': options.configYaml });
    server = await launchServer({
      name: 'prometheus',
      bin: PROMETHEUS_BIN,
      cwd: dir,
      args: (port) => [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...(options.extraArgs ?? []),
      ],
      readyUrl: (port) => `http://127.0.0.1:${port}/-/ready`,
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      stopTimeoutMs: 5000,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { port } = server;
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  const query = async (expr: string, time?: Date): Promise<PromQueryData> => {
    const params = new URLSearchParams({ query: expr });
    if (time) params.set('time', String(time.getTime() / 1000));
    const res = await fetch(`${url}/api/v1/query?${params}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data?: PromQueryData; error?: string };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${expr}: ${body.error ?? res.status}`);
    return body.data;
  };

  const waitForQuery = async (
    expr: string,
    accept: (data: PromQueryData) => boolean = (d) => d.result.length > 0,
    timeoutMs = 20_000,
  ): Promise<PromQueryData> => {
    const until = Date.now() + timeoutMs;
    let last: PromQueryData | undefined;
    for (;;) {
      last = await query(expr);
      if (accept(last)) return last;
      if (Date.now() > until) {
        throw new Error(`waitForQuery(${expr}) timed out after ${timeoutMs} ms; last: ${JSON.stringify(last.result)}\n${server.log()}`);
      }
      await sleep(250);
    }
  };

  return { url, port, dir, query, waitForQuery, log: server.log, stop };
}

export interface MetricsTextServer {
  /** Full URL of the metrics page: http://127.0.0.1:PORT/metrics */
  url: string;
  port: number;
  /** `127.0.0.1:PORT`, for static_configs / file_sd targets. */
  target: string;
  /** How many times /metrics was fetched. */
  scrapes(): number;
  stop(): Promise<void>;
}

/**
 * Serves `text` (or the result of calling it, once per request, so counters can advance per scrape) as
 * Prometheus text format on http://127.0.0.1:PORT/metrics; every other path is 404.
 */
export async function serveMetricsText(text: string | (() => string)): Promise<MetricsTextServer> {
  let count = 0;
  const server = createHttpServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    count++;
    let body: string;
    try {
      body = typeof text === 'function' ? text() : text;
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    port,
    target: `127.0.0.1:${port}`,
    scrapes: () => count,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
