/**
 * The README's `npm start`, as a user runs it: the exporter is npm's own child (signals reach it), and a
 * start with nothing changed runs no compiler.
 */
import { execFileSync, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../support/server-process';

const ROOT = join(__dirname, '..', '..');
const STAMP = join(ROOT, 'exporter', 'dist', '.build-stamp');
const PI4 = join(__dirname, '..', 'fixtures', 'sysfs', 'pi4');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('exporter > npm start', () => {
  beforeAll(() => {
    // The first start after a change builds; this makes the build current so the start below is a "second start".
    execFileSync('bash', [join(ROOT, 'scripts', 'ensure-built.sh')], { cwd: ROOT, stdio: 'ignore' });
  }, 120000);

  test('nothing changed: no compiler runs; SIGTERM to npm ends the exporter and frees the port within 2 s', async () => {
    const stamp = statSync(STAMP).mtimeMs;
    const port = await freePort();
    const npm = spawn('npm', ['start', '--', `--web.listen-address=127.0.0.1:${port}`, `--path.sysfs=${PI4}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    npm.stdout.on('data', (d) => (output += d));
    npm.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30000;
      while (!output.includes('pitower exporter listening')) {
        if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`npm start did not listen:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).not.toContain('building the exporter');
      expect(statSync(STAMP).mtimeMs).toBe(stamp);
      // The exporter is npm's direct child (no shell in between that would swallow the signal).
      const children = execFileSync('pgrep', ['-P', String(npm.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
      expect(children).toHaveLength(1);
      const [exporter] = children;
      expect(execFileSync('ps', ['-o', 'args=', '-p', String(exporter)], { encoding: 'utf8' })).toContain('exporter/bin/pitower.js exporter');
      expect(await portOpen(port)).toBe(true);

      const stopped = Date.now();
      npm.kill('SIGTERM');
      while ((alive(exporter) || (await portOpen(port))) && Date.now() - stopped < 2000) await new Promise((r) => setTimeout(r, 50));
      expect(alive(exporter)).toBe(false);
      expect(await portOpen(port)).toBe(false);
      await exited;
      expect(output).toContain('msg="shutting down"');
    } finally {
      // Whatever failed, nothing of this start may outlive the test (npm ran in its own process group).
      try {
        if (npm.pid !== undefined) process.kill(-npm.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 60000);
});
