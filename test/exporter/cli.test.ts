import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPitower, startDaemon, stopDaemon } from '../support/exporter-process';

const PI4 = join(__dirname, '..', 'fixtures', 'sysfs', 'pi4');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitower-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** One line on stderr, no stack trace, exit 2. */
function expectUsageError(result: { code: number | null; stdout: string; stderr: string }, message: RegExp) {
  expect(result.code).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('exporter > command line', () => {
  test('--help lists the node_exporter-style flags; --version prints the version', async () => {
    const help = await runPitower(['exporter', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--web.listen-address', '--web.telemetry-path', '--path.sysfs', '--path.procfs', '--config.file', '--log.level', '--log.format']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('(default: :9742)');
    const version = await runPitower(['--version']);
    expect([version.code, version.stdout]).toEqual([0, '0.1.0\n']);
  });

  test.each([
    [['exporter', '--bogus'], /^pitower: unknown option '--bogus'$/],
    [['exporter', '--web.listen-address=9742'], /^pitower: --web.listen-address: invalid address "9742": expected \[host\]:port/],
    [['exporter', '--web.listen-address', 'localhost:99999'], /^pitower: --web.listen-address: invalid port 99999/],
    [['exporter', '--log.format=xml'], /^pitower: option '--log.format <format>' argument 'xml' is invalid/],
    [['exporter', '--config.file=/nonexistent/pitower.yml'], /^pitower: --config.file \/nonexistent\/pitower.yml: cannot read: no such file$/],
    [['frobnicate'], /^pitower: unknown command 'frobnicate'$/],
  ])('bad input %j -> one line, exit 2', async (args, message) => {
    expectUsageError(await runPitower(args), message);
  });

  test('invalid YAML, unknown keys and bad values in --config.file name the file and the key', async () => {
    const broken = writeConfig('broken.yml', 'web.listen-address: [unclosed\n');
    expectUsageError(await runPitower(['exporter', `--config.file=${broken}`]), new RegExp(`^pitower: --config.file ${broken}: invalid YAML: `));
    const unknown = writeConfig('unknown.yml', 'web:\n  listen-adress: ":1"\n');
    expectUsageError(await runPitower(['exporter', `--config.file=${unknown}`]), /unknown option "web.listen-adress"$/);
    const bad = writeConfig('bad.yml', 'web.listen-address: nope\n');
    expectUsageError(await runPitower(['exporter', `--config.file=${bad}`]), /: web.listen-address: invalid address "nope"/);
    const directory = await runPitower(['exporter', `--config.file=${dir}`]);
    expectUsageError(directory, /^pitower: --config.file .*: cannot read: /);
  });

  test('a port in use -> one line naming the address, exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const result = await runPitower(['exporter', `--web.listen-address=127.0.0.1:${port}`, `--path.sysfs=${PI4}`, '--load.backend=null']);
      expectUsageError(result, new RegExp(`^pitower: --web.listen-address 127.0.0.1:${port}: address already in use$`));
      // Nothing ran before the port was bound: no load was generated.
      expect(result.stdout).not.toContain('load generator started');
    } finally {
      blocker.close();
    }
  });

  test('config file values apply and flags win over them; SIGTERM exits 0 within a second', async () => {
    const config = writeConfig('pitower.yml', ['web:', '  telemetry-path: /custom', 'path.sysfs: /nonexistent', 'log.level: warn', ''].join('\n'));
    const daemon = await startDaemon([`--config.file=${config}`, `--path.sysfs=${PI4}`, '--log.level=info']);
    try {
      const metrics = await (await fetch(`${daemon.url}/custom`)).text();
      expect(metrics).toContain('pitower_thermal_zone_temperature_celsius{zone="thermal_zone0",type="cpu-thermal"} 48.692');
      expect((await fetch(`${daemon.url}/metrics`)).status).toBe(404);
      expect(daemon.logs()).toContain('"msg":"pitower exporter listening"');
    } finally {
      const { code, ms } = await stopDaemon(daemon);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(1000);
    }
  });

  test('--no-collector.<name> disables a collector', async () => {
    const daemon = await startDaemon([`--path.sysfs=${PI4}`, '--no-collector.thermal']);
    try {
      const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
      expect(metrics).not.toContain('pitower_thermal_zone_temperature_celsius');
      expect(metrics).not.toContain('collector="thermal"');
      expect(metrics).toContain('pitower_throttling_now{condition="throttled"} 1');
    } finally {
      await stopDaemon(daemon, 'SIGINT');
    }
  });

  test('promtool check metrics finds no problems in the live /metrics output', async () => {
    for (const fixture of ['pi4', 'laptop', 'malformed']) {
      const fixtures = join(__dirname, '..', 'fixtures');
      const daemon = await startDaemon([`--path.sysfs=${join(fixtures, 'sysfs', fixture)}`, `--path.procfs=${join(fixtures, 'procfs', 'pi4')}`]);
      try {
        const text = await (await fetch(`${daemon.url}/metrics`)).text();
        expect(text).toContain('pitower_scrape_collector_success');
        expect(text).toContain('pitower_board_info{model="Raspberry Pi 4 Model B Rev 1.4",revision="c03114"} 1');
        // promtool exits non-zero and prints the problems when there are any.
        const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
        expect(out).toBe('');
      } finally {
        await stopDaemon(daemon);
      }
    }
  });
});
