/**
 * `npm run package` (scripts/package.sh): what a Pi owner installs, built into a temp dir and installed the
 * ways the README tells:
 *   - the arm64 and armhf .debs' program, unpacked outside this clone, under qemu-user with ARM Node
 *     (test/lab/arm-roots.sh): `pitower --version` and an exporter answering /metrics;
 *   - the npm tarball with `npm install -g --prefix <tmp> --offline` and an empty npm cache (so nothing can
 *     come from a registry), then `pitower --version` and an exporter answering /metrics;
 *   - the amd64 .deb with `dpkg -i` (root only: skipped with the reason in its title otherwise; CI is root):
 *     `/usr/bin/pitower --version`, the `pitower` user, `systemd-analyze verify` on the installed unit, the
 *     service not enabled, the unit's own command line serving /metrics as that user, then `dpkg -r` (only
 *     the conffile stays) and `dpkg -P` (nothing of the package stays but the user, as Debian does).
 * The test refuses to touch a machine that has a pitower package installed already, and removes the user
 * again when it created it. ~1 min: the packaging ~25 s, the offline install ~10 s, the ARM runs ~15 s.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readArmUserlands, underQemu } from '../lab/arm-userlands';
import { startDaemonCommand, stopDaemon, type DaemonHandle } from '../support/exporter-process';

const execFileP = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'exporter', 'package.json'), 'utf8')) as { version: string }).version;
const ARCHES = ['arm64', 'armhf', 'amd64'];
const IS_ROOT = process.getuid?.() === 0;
const PI4 = [`--path.sysfs=${join(ROOT, 'test', 'fixtures', 'sysfs', 'pi4')}`, `--path.procfs=${join(ROOT, 'test', 'fixtures', 'procfs', 'pi4')}`];
const UNIT = '/lib/systemd/system/pitower-exporter.service';
const WANTS_LINK = '/etc/systemd/system/multi-user.target.wants/pitower-exporter.service';

/** Runs a command to completion; throws with its output when it fails. */
function run(command: string, args: string[], okCodes = [0]): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  if (result.error) throw result.error;
  if (!okCodes.includes(result.status ?? -1)) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  }
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Paths in a .deb's data archive, absolute ("./usr/bin/pitower -> ..." -> "/usr/bin/pitower"). */
function debPaths(deb: string): string[] {
  return run('dpkg-deb', ['-c', deb])
    .stdout.split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const path = (/^\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+(.+?)(?: -> .*)?$/.exec(line) ?? [])[1];
      if (path === undefined) throw new Error(`dpkg-deb -c: unexpected line ${line}`);
      return path.replace(/^\./, '').replace(/\/$/, '') || '/';
    });
}

async function scrapeAndStop(daemon: DaemonHandle): Promise<{ text: string; code: number | null }> {
  try {
    const response = await fetch(`${daemon.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, code: (await stopDaemon(daemon)).code };
  } finally {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  }
}

let out = '';
const deb = (arch: string) => join(out, `pitower_${VERSION}_${arch}.deb`);
const tarball = () => join(out, `pitower-${VERSION}.tgz`);

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'pitower-package-'));
  await execFileP('bash', [join(ROOT, 'scripts', 'package.sh'), out], { timeout: 170_000, maxBuffer: 16 << 20 });
}, 180_000);

afterAll(() => {
  if (out !== '') rmSync(out, { recursive: true, force: true });
});

describe('packaging > npm run package', () => {
  test('an npm tarball and a .deb per architecture, the three with one payload and no native module', () => {
    expect(readdirSync(out).sort()).toEqual([`pitower-${VERSION}.tgz`, ...ARCHES.map((a) => `pitower_${VERSION}_${a}.deb`)].sort());
    const payloads = new Set<string>();
    for (const arch of ARCHES) {
      expect(run('dpkg-deb', ['-f', deb(arch), 'Package', 'Version', 'Architecture', 'Depends']).stdout).toBe(
        `Package: pitower\nVersion: ${VERSION}\nArchitecture: ${arch}\nDepends: nodejs (>= 20.15), adduser\n`,
      );
      const data = spawnSync('dpkg-deb', ['--fsys-tarfile', deb(arch)], { maxBuffer: 256 << 20 });
      expect(data.status).toBe(0);
      payloads.add(createHash('sha256').update(data.stdout).digest('hex'));
    }
    expect(payloads.size).toBe(1);
    expect(run('dpkg-deb', ['-I', deb('amd64'), 'conffiles']).stdout).toBe('/etc/pitower/pitower.yml\n');

    const paths = debPaths(deb('amd64'));
    expect(paths).toEqual(expect.arrayContaining(['/usr/bin/pitower', UNIT, '/etc/pitower/pitower.yml', '/usr/lib/pitower/bin/pitower.js']));
    expect(paths.filter((p) => p.endsWith('.node'))).toEqual([]);
    // Runtime only: no compiled tests, no TypeScript output types, no dev tool, no optional native client.
    const ours = paths.filter((p) => p.startsWith('/usr/lib/pitower/') && !p.startsWith('/usr/lib/pitower/node_modules/'));
    expect(ours.filter((p) => /\.test\.js$|\.d\.ts$|tsbuildinfo/.test(p))).toEqual([]);
    const modules = new Set(paths.map((p) => /^\/usr\/lib\/pitower\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1]).filter(Boolean));
    for (const runtime of ['@pitower/diagnosis', 'fastify', 'kafkajs', 'mysql2', 'cassandra-driver', 'prom-client', 'commander']) {
      expect(modules).toContain(runtime);
    }
    for (const dev of ['typescript', 'jest', 'ts-jest', 'eslint', 'node-rdkafka']) expect(modules).not.toContain(dev);
  });
});

describe('packaging > the ARM .debs under qemu-user (test/lab/arm-roots.sh)', () => {
  test.each(['arm64', 'armhf'])("%s: the .deb's /usr/lib/pitower says its version and serves the Pi 4 fixture", async (arch) => {
    const userland = (await readArmUserlands()).find((u) => u.arch === arch);
    if (userland === undefined) throw new Error(`arm-roots.sh gave no ${arch} userland`);
    const unpacked = mkdtempSync(join(tmpdir(), `pitower-deb-${arch}-`));
    try {
      run('dpkg-deb', ['-x', deb(arch), unpacked]);
      // Only the package's own node_modules: nothing resolves from this clone's.
      const { command, prefix } = underQemu(userland, join(unpacked, 'usr', 'lib', 'pitower', 'bin', 'pitower.js'));
      expect(run(command, [...prefix, '--version']).stdout.trim()).toBe(VERSION);
      const { text, code } = await scrapeAndStop(await startDaemonCommand(command, [...prefix, 'exporter'], PI4, 60_000));
      expect(text).toContain('pitower_board_info{model="Raspberry Pi 4 Model B Rev 1.4",revision="c03114"} 1\n');
      expect(text).toContain(`pitower_build_info{version="${VERSION}",nodejs="${userland.nodeVersion.replace(/^v/, '')}"} 1\n`);
      expect(code).toBe(0);
    } finally {
      rmSync(unpacked, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('packaging > the npm tarball, installed offline', () => {
  let prefix = '';
  afterAll(() => {
    if (prefix !== '') rmSync(prefix, { recursive: true, force: true });
  });

  test('npm install -g --prefix <tmp> --offline with an empty cache; pitower --version', () => {
    prefix = mkdtempSync(join(tmpdir(), 'pitower-global-'));
    const cache = join(prefix, 'empty-npm-cache');
    run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--cache', cache, '--no-audit', '--no-fund', '--loglevel=error', tarball()]);
    expect(readlinkSync(join(prefix, 'bin', 'pitower'))).toBe('../lib/node_modules/pitower/bin/pitower.js');
    expect(run(join(prefix, 'bin', 'pitower'), ['--version']).stdout.trim()).toBe(VERSION);
  }, 120_000);

  test('the installed exporter serves the Pi 4 fixture on /metrics and exits 0 on SIGTERM', async () => {
    const daemon = await startDaemonCommand(join(prefix, 'bin', 'pitower'), ['exporter'], PI4, 20_000);
    const { text, code } = await scrapeAndStop(daemon);
    expect(text).toContain('pitower_board_info{model="Raspberry Pi 4 Model B Rev 1.4",revision="c03114"} 1\n');
    expect(text).toContain(`pitower_build_info{version="${VERSION}",`);
    expect(code).toBe(0);
  }, 30_000);
});

const describeAsRoot = IS_ROOT ? describe : describe.skip;
describeAsRoot(`packaging > the amd64 .deb through dpkg${IS_ROOT ? '' : ' (skipped: dpkg -i needs root)'}`, () => {
  let userExisted = true;
  /** Paths the package adds (those of its archive that were not on the machine before). */
  let added: string[] = [];
  const status = () => spawnSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', 'pitower'], { encoding: 'utf8' }).stdout.trim();

  beforeAll(() => {
    if (status() !== '') throw new Error(`a pitower package is installed on this machine already (dpkg status "${status()}"): not touching it`);
    userExisted = spawnSync('getent', ['passwd', 'pitower']).status === 0;
    added = debPaths(deb('amd64')).filter((p) => !present(p));
  });

  afterAll(() => {
    if (status() !== '') spawnSync('dpkg', ['-P', 'pitower']);
    if (!userExisted && spawnSync('getent', ['passwd', 'pitower']).status === 0) spawnSync('userdel', ['pitower']);
  });

  test('dpkg -i: /usr/bin/pitower --version, the pitower user, a unit systemd-analyze verifies, not enabled', () => {
    run('dpkg', ['-i', deb('amd64')]);
    expect(status()).toBe('ii');
    expect(run('/usr/bin/pitower', ['--version']).stdout.trim()).toBe(VERSION);
    const user = run('getent', ['passwd', 'pitower']).stdout.trim().split(':');
    expect(user[6]).toMatch(/nologin$/);
    expect(Number(user[2])).toBeLessThan(1000);
    const verify = run('systemd-analyze', ['verify', UNIT]);
    expect(`${verify.stdout}${verify.stderr}`).not.toContain('pitower-exporter.service');
    expect(run('systemctl', ['is-enabled', 'pitower-exporter.service'], [0, 1]).stdout.trim()).toBe('disabled');
    expect(present(WANTS_LINK)).toBe(false);
  });

  test("the unit's ExecStart, run as the pitower user, reads /etc/pitower/pitower.yml and serves /metrics", async () => {
    const unit = readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^User=pitower$/m);
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1].split(' ') ?? [];
    expect(execStart[0]).toBe('/usr/bin/node');
    // node flags (V8 settings) between node and the program, then:
    expect(execStart.slice(execStart.indexOf('/usr/lib/pitower/bin/pitower.js'))).toEqual([
      '/usr/lib/pitower/bin/pitower.js',
      'exporter',
      '--config.file=/etc/pitower/pitower.yml',
    ]);
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(run('id', [flag, 'pitower']).stdout));
    // The flag after the config file wins over its web.listen-address (:9742): an ephemeral port here.
    const daemon = await startDaemonCommand(execStart[0], execStart.slice(1), [], 20_000, { uid, gid });
    const { text, code } = await scrapeAndStop(daemon);
    expect(text).toContain(`pitower_build_info{version="${VERSION}",`);
    expect(text).toContain('pitower_scrape_collector_success{collector="thermal"}');
    expect(code).toBe(0);
  }, 30_000);

  test('dpkg -r keeps only the conffile (and an admin\'s enable link); dpkg -P leaves nothing of the package', () => {
    run('systemctl', ['enable', 'pitower-exporter.service']); // as an admin would (no running systemd needed)
    expect(readlinkSync(WANTS_LINK)).toBe(UNIT);
    run('dpkg', ['-r', 'pitower']);
    expect(status()).toBe('rc');
    for (const gone of ['/usr/lib/pitower', '/usr/bin/pitower', UNIT, '/usr/share/doc/pitower']) expect([gone, present(gone)]).toEqual([gone, false]);
    expect(readFileSync('/etc/pitower/pitower.yml', 'utf8')).toContain('web.listen-address');
    run('dpkg', ['-P', 'pitower']);
    expect(status()).toBe('');
    expect(added.filter(present)).toEqual([]);
    expect(added).toEqual(expect.arrayContaining(['/etc/pitower', '/usr/lib/pitower']));
    expect(present(WANTS_LINK)).toBe(false);
    expect(spawnSync('getent', ['passwd', 'pitower']).status).toBe(0);
  });
});
