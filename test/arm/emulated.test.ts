/**
 * The built exporter on ARM: node for arm64 and armhf run under qemu-user (Debian's qemu-user-static) on the
 * Pi 4 and Pi 5 fixture trees, and each /metrics must be the x86 run's, sample for sample, with the same
 * arguments. The userlands come from test/lab/arm-roots.sh (Debian's ARM C libraries and Node, cached in
 * ~/.cache/pitower-peers/arm; ~30 s the first time, nothing downloaded after).
 *
 * Compared exactly: every HELP, TYPE and sample of every family but those that describe the process and not
 * the Pi (process_*, nodejs_*: memory, CPU, event loop, GC), after two substitutions for what legitimately
 * differs: the value of pitower_scrape_collector_duration_seconds (a time; its series must still match) and
 * pitower_build_info's nodejs label (the emulated Node's version, checked on its own). Lines are sorted:
 * collectors finish in any order.
 */
import { join } from 'node:path';
import { readArmUserlands, underQemu, type ArmUserland } from '../lab/arm-userlands';
import { PITOWER_BIN, startDaemon, startDaemonCommand, stopDaemon, type DaemonHandle } from '../support/exporter-process';

const FIXTURES = join(__dirname, '..', 'fixtures');

const BOARDS = [
  { board: 'Raspberry Pi 4', args: [`--path.sysfs=${join(FIXTURES, 'sysfs', 'pi4')}`, `--path.procfs=${join(FIXTURES, 'procfs', 'pi4')}`] },
  // No Pi 5 /proc fixture: the laptop's, as in test/exporter/collectors.test.ts.
  { board: 'Raspberry Pi 5', args: [`--path.sysfs=${join(FIXTURES, 'sysfs', 'pi5')}`, `--path.procfs=${join(FIXTURES, 'procfs', 'laptop')}`] },
];

/** The exposition without the process's own families, durations blanked, nodejs label blanked, sorted. */
function toComparable(text: string): { lines: string[]; nodejs: string | undefined } {
  let nodejs: string | undefined;
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const name = line.startsWith('#') ? line.split(' ')[2] : /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name === undefined || name.startsWith('process_') || name.startsWith('nodejs_')) continue;
    if (name === 'pitower_scrape_collector_duration_seconds' && !line.startsWith('#')) {
      lines.push(line.replace(/ \S+$/, ' <seconds>'));
    } else if (name === 'pitower_build_info' && !line.startsWith('#')) {
      nodejs = /nodejs="([^"]*)"/.exec(line)?.[1];
      lines.push(line.replace(/nodejs="[^"]*"/, 'nodejs="<node>"'));
    } else {
      lines.push(line);
    }
  }
  return { lines: lines.sort(), nodejs };
}

async function scrapeAndStop(daemon: DaemonHandle): Promise<{ text: string; encoding: string | null; code: number | null }> {
  try {
    // fetch sends Accept-Encoding: gzip as Prometheus does (the Pi collectors alone are answered plain).
    const response = await fetch(`${daemon.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, encoding: response.headers.get('content-encoding'), code: (await stopDaemon(daemon)).code };
  } finally {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  }
}

let userlands: ArmUserland[] = [];

beforeAll(async () => {
  userlands = await readArmUserlands();
}, 300_000);

describe('arm > the built exporter under qemu-user emulation', () => {
  test('arm-roots.sh gives an arm64 and an armhf Node >= 20.15', () => {
    expect(userlands.map((u) => u.arch)).toEqual(['arm64', 'armhf']);
    for (const { nodeVersion } of userlands) {
      const [major, minor] = nodeVersion.replace(/^v/, '').split('.').map(Number);
      expect(major > 20 || (major === 20 && minor >= 15)).toBe(true);
    }
  });

  describe.each(BOARDS)('$board fixture trees', ({ args }) => {
    let x86: { lines: string[]; encoding: string | null } | undefined;

    beforeAll(async () => {
      const run = await scrapeAndStop(await startDaemon(args));
      expect(run.code).toBe(0);
      x86 = { lines: toComparable(run.text).lines, encoding: run.encoding };
    });

    test.each(['arm64', 'armhf'])('%s: the same /metrics as on x86, and SIGTERM exits 0', async (arch) => {
      const userland = userlands.find((u) => u.arch === arch);
      if (userland === undefined || x86 === undefined) throw new Error(`no ${arch} userland or no x86 run`);
      // Node under qemu starts in ~6 s on 2 cores (x86: ~0.5 s).
      const { command, prefix } = underQemu(userland, PITOWER_BIN);
      const daemon = await startDaemonCommand(command, [...prefix, 'exporter'], args, 60_000);
      const run = await scrapeAndStop(daemon);
      const arm = toComparable(run.text);
      expect(arm.lines).toEqual(x86.lines);
      expect(arm.lines.some((line) => line.startsWith('pitower_thermal_zone_temperature_celsius{'))).toBe(true);
      expect(arm.nodejs).toBe(userland.nodeVersion.replace(/^v/, ''));
      expect(run.encoding).toBe(x86.encoding);
      expect(run.code).toBe(0);
    }, 90_000);
  });
});
