/**
 * `pitower load --backend null`: the scheduler end to end without I/O (exact counts from the schedule).
 */
import { parseJsonSummary, runCli } from './run-cli';

describe('load > null backend', () => {
  test('open loop: warm-up readings are written but not measured', async () => {
    const summary = parseJsonSummary(await runCli(['load', '--backend', 'null', '--rate', '100', '--warmup', '200ms', '--duration', '300ms', '--json']));
    expect(summary.warmup).toEqual({ transactions: 20, errors: 0 });
    expect(summary.transactions).toBe(30);
    expect(summary).toMatchObject({ mode: 'open', rate: 100, errors: 0 });
  });

  test('--count caps an open-loop run before its duration', async () => {
    const summary = parseJsonSummary(await runCli(['load', '--backend', 'null', '--rate', '1000', '--count', '250', '--duration', '10s', '--json']));
    expect(summary.transactions).toBe(250);
    expect(summary.seconds).toBeLessThan(0.5);
  });

  test('closed loop: --duration bounds the run', async () => {
    const summary = parseJsonSummary(await runCli(['load', '--backend', 'null', '--duration', '300ms', '--concurrency', '2', '--json']));
    expect(summary.seconds).toBeGreaterThanOrEqual(0.29);
    expect(summary.seconds).toBeLessThan(0.6);
    expect(summary.transactions).toBeGreaterThan(1000);
    expect(summary).toMatchObject({ backend: 'null', mode: 'closed', concurrency: 2, errors: 0, rate: null });
    expect(Object.keys(summary.latency)).toEqual(['p50', 'p90', 'p99', 'max']);
  });

  test('bad flags: exit 2, one line naming the flag', async () => {
    const result = await runCli(['load', '--backend', 'null', '--rate', '-5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('pitower: --rate: -5 is out of range 0.001..10000000\n');
    const unknown = await runCli(['load', '--backend', 'oracle']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^pitower: option '--backend <name>' argument 'oracle' is invalid/);
  });

  test('SIGINT stops the run: in-flight writes finish and the results are printed, exit 0', async () => {
    const before = new Set(process.listeners('SIGINT'));
    const run = runCli(['load', '--backend', 'null', '--duration', '60s', '--json']);
    await new Promise((r) => setTimeout(r, 300));
    const added = process.listeners('SIGINT').filter((l) => !before.has(l));
    expect(added).toHaveLength(1);
    const started = Date.now();
    (added[0] as () => void)();
    const summary = parseJsonSummary(await run);
    expect(Date.now() - started).toBeLessThan(500);
    expect(summary.transactions).toBeGreaterThan(0);
    expect(summary.seconds).toBeLessThan(2);
    // It says it was cut short, and what was planned.
    expect(summary.interrupted).toBe(true);
    expect(summary.planned).toEqual({ seconds: 60, count: null });
    expect(process.listeners('SIGINT').filter((l) => !before.has(l))).toHaveLength(0);
  });

  test('SIGTERM during a --count run: the table leads with INTERRUPTED and the readings written of those asked', async () => {
    const before = new Set(process.listeners('SIGTERM'));
    const run = runCli(['load', '--backend', 'null', '--count', '100000000']);
    await new Promise((r) => setTimeout(r, 300));
    const added = process.listeners('SIGTERM').filter((l) => !before.has(l));
    expect(added).toHaveLength(1);
    (added[0] as () => void)();
    const result = await run;
    expect(result.code).toBe(0);
    const first = result.stdout.split('\n')[0];
    const match = /^run +INTERRUPTED after [\d.]+ s: (\d+) of 100000000 readings written$/.exec(first);
    if (!match) throw new Error(`first line is not an INTERRUPTED summary: ${first}`);
    expect(Number(match[1])).toBeGreaterThan(0);
    expect(Number(match[1])).toBeLessThan(100000000);
  });

  test('a run that ends on its own is not interrupted', async () => {
    const summary = parseJsonSummary(await runCli(['load', '--backend', 'null', '--count', '500', '--json']));
    expect(summary.transactions).toBe(500);
    expect([summary.interrupted, summary.planned]).toEqual([false, { seconds: null, count: 500 }]);
  });
});
