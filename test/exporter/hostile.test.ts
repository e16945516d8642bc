/**
 * The daemon against hostile input, as a careful operator would try it: a sysfs attribute that never
 * answers, config files far too large, a client pipelining a thousand scrapes on one connection.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CONFIG_FILE_BYTES, MAX_VALUE_CHARS } from '../../exporter/src/config/options';
import { MAX_PIPELINED_REQUESTS } from '../../exporter/src/http/app';
import { runPitower, startDaemon, stopDaemon } from '../support/exporter-process';
import { parseSamples } from '../support/metrics-text';

const FIXTURES = join(__dirname, '..', 'fixtures');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitower-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GET with a deadline, so a hung scrape fails the test instead of timing it out. */
async function get(url: string, ms = 3000): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(ms) });
  return { status: response.status, text: await response.text() };
}

function expectOneLineExit2(result: { code: number | null; stderr: string }, message: RegExp) {
  expect(result.code).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(lines[0].length).toBeLessThan(400);
}

describe('exporter > hostile input', () => {
  test('a FIFO where a thermal attribute should be: scrapes answer, that collector fails, SIGTERM exits 0', async () => {
    const sysfs = join(dir, 'sysfs-fifo');
    cpSync(join(FIXTURES, 'sysfs', 'pi4'), sysfs, { recursive: true });
    const temp = join(sysfs, 'class', 'thermal', 'thermal_zone0', 'temp');
    unlinkSync(temp);
    expect(spawnSync('mkfifo', [temp]).status).toBe(0);
    const daemon = await startDaemon([`--path.sysfs=${sysfs}`, `--path.procfs=${join(FIXTURES, 'procfs', 'pi4')}`]);
    try {
      for (let i = 0; i < 3; i++) {
        const { status, text } = await get(`${daemon.url}/metrics`);
        expect(status).toBe(200);
        const success = new Map(parseSamples(text).filter((s) => s.name === 'pitower_scrape_collector_success').map((s) => [s.labels.collector, s.value]));
        expect(Object.fromEntries(success)).toEqual({ thermal: 0, throttling: 1, cpufreq: 1, model: 1 });
        expect(text).toContain('pitower_throttling_now{condition="throttled"} 1');
        expect(text).not.toContain('pitower_thermal_zone_temperature_celsius{zone="thermal_zone0"');
      }
      expect(daemon.logs()).toContain('thermal_zone0/temp: not a regular file (a FIFO where a sysfs attribute should be)');
      expect((await get(`${daemon.url}/-/ready`)).status).toBe(200);
      const landing = await get(`${daemon.url}/`);
      expect(landing.text).toContain('not a regular file');
    } finally {
      const { code, ms } = await stopDaemon(daemon);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(2000);
    }
  });

  test('a config file over the size limit: one short line, exit 2, nothing parsed', async () => {
    const big = join(dir, 'big.yml');
    writeFileSync(big, `web.listen-address: "${'x'.repeat(2 * MAX_CONFIG_FILE_BYTES)}"\n`);
    expectOneLineExit2(await runPitower(['exporter', `--config.file=${big}`]), new RegExp(`^pitower: --config.file ${big}: too large \\(\\d+ bytes; at most ${MAX_CONFIG_FILE_BYTES}\\)$`));
  });

  test('a huge value in an allowed file: the error quotes a short prefix and the length', async () => {
    const long = join(dir, 'long.yml');
    const value = 'y'.repeat(MAX_CONFIG_FILE_BYTES - 100);
    writeFileSync(long, `web.listen-address: "${value}"\n`);
    const result = await runPitower(['exporter', `--config.file=${long}`]);
    expectOneLineExit2(result, new RegExp(`web.listen-address: value too long \\(${value.length} characters; at most ${MAX_VALUE_CHARS}\\): "y{80}… \\(${value.length} characters\\)"$`));
    const key = join(dir, 'key.yml');
    writeFileSync(key, `"${'k'.repeat(1000)}": 1\n`);
    expectOneLineExit2(await runPitower(['exporter', `--config.file=${key}`]), /unknown option "k{80}… \(1000 characters\)"$/);
  });

  test(`more than ${MAX_PIPELINED_REQUESTS} pipelined requests on one connection: closed, the daemon serves on`, async () => {
    const daemon = await startDaemon([`--path.sysfs=${join(FIXTURES, 'sysfs', 'pi4')}`, `--path.procfs=${join(FIXTURES, 'procfs', 'pi4')}`]);
    const { port } = new URL(daemon.url);
    /** Writes `n` pipelined GETs at once; resolves with the number of responses once all came, the server closed, or 3 s passed. */
    const pipeline = (n: number) =>
      new Promise<{ responses: number; closed: boolean }>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        const timer = setTimeout(() => done(false), 3000);
        const done = (closed: boolean) => {
          clearTimeout(timer);
          socket.destroy();
          resolve({ responses: (text.match(/^HTTP\/1\.1 200 OK\r$/gm) ?? []).length, closed });
        };
        socket.on('data', (d) => {
          text += d.toString('latin1');
          if ((text.match(/^HTTP\/1\.1 200 OK\r$/gm) ?? []).length === n) done(false);
        });
        socket.on('close', () => done(true));
        socket.on('error', () => undefined);
        socket.write('GET /metrics HTTP/1.1\r\nHost: pitower\r\n\r\n'.repeat(n));
      });
    try {
      // Within the bound every request is answered, in order, and the connection stays open.
      expect(await pipeline(MAX_PIPELINED_REQUESTS)).toEqual({ responses: MAX_PIPELINED_REQUESTS, closed: false });
      // A thousand: the connection is closed before the responses pile up in memory.
      const flood = await pipeline(1000);
      expect(flood.closed).toBe(true);
      expect(flood.responses).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS);
      // The warning is written by the daemon as it closes the socket; its stderr may reach us a moment after the close.
      for (let i = 0; i < 40 && !daemon.logs().includes('closing a connection with too many pipelined requests'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(daemon.logs()).toContain('closing a connection with too many pipelined requests');
      expect((await get(`${daemon.url}/metrics`)).status).toBe(200);
    } finally {
      expect((await stopDaemon(daemon)).code).toBe(0);
    }
  });
});
