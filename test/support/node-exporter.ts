/**
 * Test support: Debian's node_exporter (/usr/bin/prometheus-node-exporter) on a private 127.0.0.1 port with
 * only the collectors a test asks for (default: cpu and diskstats, what pitower's recording rules use).
 *
 *   const node = await startNodeExporter();
 *   try { ... scrape node.target ... } finally { await node.stop(); }
 *
 * The child is killed on stop() and, as a last resort, when the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './prometheus';

export const NODE_EXPORTER_BIN = process.env.PITOWER_TEST_NODE_EXPORTER ?? '/usr/bin/prometheus-node-exporter';

export interface StartNodeExporterOptions {
  /** node_exporter collectors to enable; every other one is off (--collector.disable-defaults). */
  collectors?: string[];
  extraArgs?: string[];
  /** How long to wait for /metrics to answer; default 15 s. */
  readyTimeoutMs?: number;
}

export interface NodeExporterHandle {
  /** http://127.0.0.1:PORT/metrics */
  url: string;
  port: number;
  /** `127.0.0.1:PORT`, for scrape targets. */
  target: string;
  /** What node_exporter logged so far (stderr), for failure messages. */
  log(): string;
  /** SIGTERM, SIGKILL after 3 s. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

class PortInUseError extends Error {}

export async function startNodeExporter(options: StartNodeExporterOptions = {}): Promise<NodeExporterHandle> {
  let lastError: unknown;
  // The port may be taken between freePort() and node_exporter binding it: retry a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(options);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortInUseError)) break;
    }
  }
  throw lastError;
}

async function launch(options: StartNodeExporterOptions): Promise<NodeExporterHandle> {
  const port = await freePort();
  const collectors = options.collectors ?? ['cpu', 'diskstats'];
  const args = [
    `--web.listen-address=127.0.0.1:${port}`,
    '--collector.disable-defaults',
    ...collectors.map((c) => `--collector.${c}`),
    '--log.level=warn',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(NODE_EXPORTER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-100_000);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      stderr += `spawn error: ${err.message}\n`;
      exited = { code: -1, signal: null };
      running.delete(child);
      resolve();
    });
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exitPromise;
    clearTimeout(timer);
  };

  const url = `http://127.0.0.1:${port}/metrics`;
  const timeoutMs = options.readyTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      if (/address already in use/i.test(stderr)) throw new PortInUseError(stderr);
      throw new Error(`node_exporter exited (code ${exited.code}, signal ${exited.signal}) before answering:\n${stderr}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`node_exporter did not answer at ${url} within ${timeoutMs} ms:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return { url, port, target: `127.0.0.1:${port}`, log: () => stderr, stop };
}
