import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const PITOWER_BIN = join(__dirname, '..', '..', 'exporter', 'bin', 'pitower.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `pitower` CLI to completion (for bad-input cases that must exit on their own). */
export function runPitower(args: string[], timeoutMs = 15000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PITOWER_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pitower ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface DaemonHandle {
  child: ChildProcess;
  url: string;
  logs: () => string;
}

/** Starts `pitower exporter` on an ephemeral port and resolves with its URL once it logs that it listens. */
export function startDaemon(args: string[], timeoutMs = 15000, env: NodeJS.ProcessEnv = process.env): Promise<DaemonHandle> {
  return startDaemonCommand(process.execPath, [PITOWER_BIN, 'exporter'], args, timeoutMs, { env });
}

/**
 * Starts an exporter through any command (an installed `pitower`, node under qemu): `command` with
 * `prefix` (the arguments up to and including `exporter`), then an ephemeral 127.0.0.1 port and JSON logs,
 * then `args`; resolves once it logs that it listens. `options` go to spawn (env, uid/gid).
 */
export function startDaemonCommand(
  command: string,
  prefix: string[],
  args: string[],
  timeoutMs = 15000,
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Promise<DaemonHandle> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...prefix, '--web.listen-address=127.0.0.1:0', '--log.format=json', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
      ...options,
    });
    let logs = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`exporter did not start within ${timeoutMs} ms:\n${logs}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      logs += d;
      const match = /"address":"(https?:\/\/[^"]+)"/.exec(logs);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], logs: () => logs });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exporter exited with ${code} before listening:\n${logs}`));
    });
  });
}

/** Sends SIGTERM and resolves with the exit code and how long the exit took. */
export function stopDaemon(handle: DaemonHandle, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
  return new Promise((resolve) => {
    // already gone: exited (exitCode) or killed by a signal (signalCode; exitCode stays null then)
    if (handle.child.exitCode !== null || handle.child.signalCode !== null) return resolve({ code: handle.child.exitCode, ms: 0 });
    const started = Date.now();
    handle.child.once('exit', (code) => resolve({ code, ms: Date.now() - started }));
    handle.child.kill(signal);
  });
}
