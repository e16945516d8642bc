/**
 * Bounded work on the HTTP side: --web.max-requests sheds scrapes beyond the limit with 503 at once, slow
 * clients (slowloris) are cut off by the header timeout and do not slow a real scrape, oversized headers
 * are refused.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HEADERS_TIMEOUT_MS, MAX_HEADER_BYTES } from '../../exporter/src/http/app';
import { createExporter } from '../../exporter/src/http/server';
import { testExporterConfig } from '../support/exporter-config';
import { startDaemon, stopDaemon, type DaemonHandle } from '../support/exporter-process';

const FIXTURES = join(__dirname, '..', 'fixtures');

describe('exporter > --web.max-requests', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    // A collector that takes 600 ms, so scrapes overlap.
    const slow = { name: 'slow', start: async () => undefined, stop: async () => undefined, collector: { name: 'slow', update: () => new Promise<void>((resolve) => setTimeout(resolve, 600)) } };
    app = createExporter(testExporterConfig({ maxRequests: 2 }), [slow], false);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  test('two scrapes in flight at --web.max-requests 2: three more get 503 at once, naming the flag, and are counted', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const response = await fetch(`${url}/metrics`);
        return { status: response.status, text: await response.text(), ms: Date.now() - started };
      }),
    );
    const ok = answers.filter((a) => a.status === 200);
    const shed = answers.filter((a) => a.status === 503);
    expect(ok).toHaveLength(2);
    expect(shed).toHaveLength(3);
    for (const a of shed) {
      expect(a.text).toBe('2 scrapes already in flight (--web.max-requests 2); try again\n');
      expect(a.ms).toBeLessThan(400);
    }
    const next = await (await fetch(`${url}/metrics`)).text();
    expect(next).toContain('\npitower_http_requests_rejected_total 3\n');
  });
});

describe('exporter > slow and oversized clients', () => {
  let daemon: DaemonHandle;
  beforeAll(async () => {
    daemon = await startDaemon([`--path.sysfs=${join(FIXTURES, 'sysfs', 'pi4')}`, `--path.procfs=${join(FIXTURES, 'procfs', 'pi4')}`]);
  });
  afterAll(async () => {
    if (daemon) await stopDaemon(daemon);
  });

  test('500 slowloris connections: a scrape still answers within 1 s, and the server drops them after the header timeout', async () => {
    const { hostname, port } = new URL(daemon.url);
    const closed = { n: 0 };
    const sockets: Socket[] = [];
    await Promise.all(
      Array.from(
        { length: 500 },
        () =>
          new Promise<void>((resolve, reject) => {
            const s = connect(Number(port), hostname, () => {
              s.write('GET /metrics HTTP/1.1\r\nHost: pi\r\nX-Slow: ');
              resolve();
            });
            s.on('error', () => undefined);
            s.once('close', () => closed.n++);
            s.once('error', reject);
            sockets.push(s);
          }),
      ),
    );
    // Each drips one header byte a second, never finishing its headers.
    const drip = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write('a');
    }, 1000);
    try {
      const started = Date.now();
      const response = await fetch(`${daemon.url}/metrics`, { signal: AbortSignal.timeout(3000) });
      const text = await response.text();
      const ms = Date.now() - started;
      expect(response.status).toBe(200);
      expect(text).toContain('pitower_board_info{');
      expect(ms).toBeLessThan(1000);
      expect(closed.n).toBe(0);
      // Headers not complete within HEADERS_TIMEOUT_MS: the server closes every one (checked every second).
      const deadline = Date.now() + HEADERS_TIMEOUT_MS + 5000;
      while (closed.n < 500 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(closed.n).toBe(500);
    } finally {
      clearInterval(drip);
      for (const s of sockets) s.destroy();
    }
    expect((await fetch(`${daemon.url}/-/healthy`)).status).toBe(200);
  }, 30_000);

  test(`request headers over ${MAX_HEADER_BYTES} bytes: 431, and the next scrape is served`, async () => {
    const response = await fetch(`${daemon.url}/metrics`, { headers: { 'x-big': 'a'.repeat(MAX_HEADER_BYTES + 100) } }).catch((err: Error) => err);
    if (response instanceof Error) throw response;
    expect(response.status).toBe(431);
    expect((await fetch(`${daemon.url}/metrics`)).status).toBe(200);
  });
});
