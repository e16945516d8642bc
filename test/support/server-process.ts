/**
 * Test support: start a server binary (Prometheus, node_exporter) on a free 127.0.0.1 port and wait until
 * it answers. Retries when the port was taken between picking and binding it; the child is killed on stop()
 * and, as a last resort, when the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

export interface LaunchOptions {
  /** For messages: "prometheus", "node_exporter". */
  name: string;
  bin: string;
  /** Arguments for the port the server must listen on. */
  args: (port: number) => string[];
  /** URL that answers 2xx once the server is ready. */
  readyUrl: (port: number) => string;
  readyTimeoutMs: number;
  /** SIGTERM, then SIGKILL after this long. */
  stopTimeoutMs: number;
  cwd?: string;
}

export interface ServerProcess {
  port: number;
  /** The server's PID (for RSS and CPU readings in benchmarks). */
  pid: number | undefined;
  /** What the server wrote to stderr (its log), last 100 kB. */
  log(): string;
  /** SIGTERM, SIGKILL after stopTimeoutMs. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port that was free a moment ago on `host` (default 127.0.0.1). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM, then SIGKILL after `killAfterMs`; resolves once `proc` has exited (at once when it had, or is undefined). */
export function stopChild(proc: ChildProcess | undefined, killAfterMs: number): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/** A `destroy()` for a server in a temp dir: stops it and removes `dir`, once (later calls do nothing). */
export function destroyOnce(stop: () => Promise<void>, dir: string): () => Promise<void> {
  let destroyed = false;
  return async () => {
    if (destroyed) return;
    destroyed = true;
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Starts `server`; when that fails, destroys it (no process or temp dir is left) and rethrows. */
export async function startOrDestroy<T extends { start(): Promise<void>; destroy(): Promise<void> }>(server: T): Promise<T> {
  try {
    await server.start();
  } catch (err) {
    await server.destroy();
    throw err;
  }
  return server;
}

class PortInUseError extends Error {}

export async function launchServer(options: LaunchOptions): Promise<ServerProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launchOnce(options, await freePort());
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortInUseError)) break;
    }
  }
  throw lastError;
}

async function launchOnce(options: LaunchOptions, port: number): Promise<ServerProcess> {
  const child = spawn(options.bin, options.args(port), { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-100_000);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      exited ??= { code, signal };
      running.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', (err) => {
      stderr += `spawn error: ${err.message}\n`;
      done(-1, null);
    });
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs);
    await exitPromise;
    clearTimeout(timer);
  };

  const url = options.readyUrl(port);
  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (exited) {
      if (/address already in use/i.test(stderr)) throw new PortInUseError(stderr);
      throw new Error(`${options.name} exited (code ${exited.code}, signal ${exited.signal}) before answering:\n${stderr}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} did not answer at ${url} within ${options.readyTimeoutMs} ms:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, pid: child.pid, log: () => stderr, stop };
}
