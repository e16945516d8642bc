/**
 * `pitower load --prometheus.url`: the bottleneck verdict for the run's window after the run; a Prometheus
 * that cannot answer costs one warning line, not the exit code.
 */
import { createServer, type Server } from 'node:http';
import { toDiagnosisWindow } from '../../exporter/src/commands/load';
import { freePort } from '../support/mariadb';
import { parseJsonSummary, runCli } from './run-cli';

let server: Server;
let port: number;
const times: number[] = [];

beforeAll(async () => {
  // A Prometheus API that knows no series: every instant query answers an empty vector.
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v1/query') return res.writeHead(404).end();
    times.push(Number(url.searchParams.get('time')));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('load > --prometheus.url', () => {
  test.each([
    // run start, run end (seconds) -> window start
    [1000, 1005, 945],
    [1000, 1200, 1000],
    [1000, 1060, 1000],
  ])('window of a run %p..%p starts at %p', (start, end, windowStart) => {
    expect(toDiagnosisWindow(new Date(start * 1000), new Date(end * 1000))).toEqual({ start: new Date(windowStart * 1000), end: new Date(end * 1000) });
  });

  test('asks Prometheus at the end of the run and adds the verdict to --json', async () => {
    const before = Date.now() / 1000;
    const summary = parseJsonSummary(await runCli(['load', '--backend', 'null', '--count', '1000', '--prometheus.url', `http://127.0.0.1:${port}`, '--json']));
    expect(summary.transactions).toBe(1000);
    expect((summary.diagnosis as { kind: string }).kind).toBe('none');
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) expect(t).toBeGreaterThanOrEqual(before - 0.001);
    for (const t of times) expect(t).toBeLessThanOrEqual(Date.now() / 1000);
  });

  test('the table run prints the verdict after the table', async () => {
    const result = await runCli(['load', '--backend', 'null', '--count', '10', '--prometheus.url', `http://127.0.0.1:${port}/`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^latency max .*\n\nbottleneck: none\n/m);
  });

  test('an unreachable Prometheus: one warning line, exit 0, the results still printed', async () => {
    const closed = await freePort();
    const result = await runCli(['load', '--backend', 'null', '--count', '10', '--prometheus.url', `http://127.0.0.1:${closed}`, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^pitower: warning: no diagnosis from --prometheus.url http://127\\.0\\.0\\.1:${closed}: `));
    expect(JSON.parse(result.stdout).transactions).toBe(10);
  });
});
