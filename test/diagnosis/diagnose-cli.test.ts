/**
 * `pitower diagnose` end to end: a real Prometheus (Debian's, on a private port) scrapes three fake Pis
 * (node_exporter text and pitower exporter text served by the test, counters advancing with wall time so
 * rate() is exact), and the command, run in-process through the CLI's main(), prints the verdict.
 */
import { main } from '../../exporter/src/cli';
import { freePort, serveMetricsText, startPrometheus, type MetricsTextServer, type PrometheusHandle } from '../support/prometheus';

interface FakeHost {
  host: string;
  role: 'producer' | 'broker' | 'database';
  cpu: number;
  io: number;
  temperatureCelsius: number;
  load?: { tps: number; latency: number; inflight: number; concurrency: number };
}

/** The lab situation: a closed-loop producer at its in-flight limit while every Pi is far from saturated. */
const HOSTS: FakeHost[] = [
  { host: 'pi-producer-1', role: 'producer', cpu: 0.2, io: 0.05, temperatureCelsius: 55, load: { tps: 1310, latency: 0.012, inflight: 15.8, concurrency: 16 } },
  { host: 'pi-broker-1', role: 'broker', cpu: 0.35, io: 0.1, temperatureCelsius: 62 },
  { host: 'pi-db-1', role: 'database', cpu: 0.42, io: 0.3, temperatureCelsius: 58 },
];

const T0 = Date.now();
const elapsed = () => (Date.now() - T0) / 1000 + 1000; // counters start well above zero

/** node_exporter text: 4 CPUs whose busy share is `cpu` (iowait counts as idle), one SD card `io` busy. */
function nodeText(h: FakeHost): string {
  const t = elapsed();
  const lines = ['# TYPE node_cpu_seconds_total counter'];
  for (let cpu = 0; cpu < 4; cpu++) {
    lines.push(`node_cpu_seconds_total{cpu="${cpu}",mode="idle"} ${(1 - h.cpu) * 0.9 * t}`);
    lines.push(`node_cpu_seconds_total{cpu="${cpu}",mode="iowait"} ${(1 - h.cpu) * 0.1 * t}`);
    lines.push(`node_cpu_seconds_total{cpu="${cpu}",mode="user"} ${h.cpu * 0.7 * t}`);
    lines.push(`node_cpu_seconds_total{cpu="${cpu}",mode="system"} ${h.cpu * 0.3 * t}`);
  }
  lines.push('# TYPE node_disk_io_time_seconds_total counter');
  lines.push(`node_disk_io_time_seconds_total{device="mmcblk0"} ${h.io * t}`);
  lines.push(`node_disk_io_time_seconds_total{device="mmcblk0p2"} ${h.io * 0.9 * t}`);
  return `${lines.join('\n')}\n`;
}

/** pitower exporter text: temperature, throttling bits, and for the producer the load generator. */
function pitowerText(h: FakeHost): string {
  const t = elapsed();
  const lines = [
    '# TYPE pitower_thermal_zone_temperature_celsius gauge',
    `pitower_thermal_zone_temperature_celsius{type="cpu-thermal",zone="0"} ${h.temperatureCelsius}`,
    '# TYPE pitower_throttling_now gauge',
    'pitower_throttling_now{condition="throttled"} 0',
    'pitower_throttling_now{condition="soft_temperature_limit"} 0',
    'pitower_throttling_now{condition="under_voltage"} 1',
  ];
  if (h.load) {
    const { tps, latency, inflight, concurrency } = h.load;
    lines.push(
      '# TYPE pitower_load_transactions_total counter',
      `pitower_load_transactions_total ${tps * t}`,
      '# TYPE pitower_load_latency_seconds histogram',
      `pitower_load_latency_seconds_bucket{le="+Inf"} ${tps * t}`,
      `pitower_load_latency_seconds_sum ${tps * latency * t}`,
      `pitower_load_latency_seconds_count ${tps * t}`,
      '# TYPE pitower_load_inflight gauge',
      `pitower_load_inflight ${inflight}`,
      '# TYPE pitower_load_concurrency_limit gauge',
      `pitower_load_concurrency_limit ${concurrency}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pitower <args>` in-process through main(), capturing output and the exit code. */
async function runCli(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await main(['node', 'pitower', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    process.exitCode = saved;
    out.mockRestore();
    err.mockRestore();
  }
}

describe('commands > diagnose against a real Prometheus', () => {
  const servers: MetricsTextServer[] = [];
  let prom: PrometheusHandle | undefined;
  const promUrl = (): string => {
    if (!prom) throw new Error('Prometheus did not start (see beforeAll)');
    return prom.url;
  };

  beforeAll(async () => {
    const groups: string[] = [];
    for (const h of HOSTS) {
      const node = await serveMetricsText(() => nodeText(h));
      const pitower = await serveMetricsText(() => pitowerText(h));
      servers.push(node, pitower);
      // node_exporter's instance keeps a port, the pitower exporter's does not: diagnose strips ports.
      groups.push(`- targets: ['${node.target}']\n  labels: { role: ${h.role}, instance: '${h.host}:9100', job_kind: node }`);
      groups.push(`- targets: ['${pitower.target}']\n  labels: { role: ${h.role}, instance: '${h.host}' }`);
    }
    prom = await startPrometheus({
      configYaml: [
        'global: { scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: lab',
        '    file_sd_configs: [{ files: [targets.yml], refresh_interval: 1s }]',
        '',
      ].join('\n'),
      files: { 'targets.yml': `${groups.join('\n')}\n` },
    });
    // A 10s window needs more than 10 s of samples from all six targets.
    await prom.waitForQuery('count(count_over_time(up[1m]) >= 12) == 6', undefined, 40_000);
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    for (const s of servers) await s.stop();
  });

  it('prints the concurrency verdict with Little\'s-law numbers and the ranked table', async () => {
    const run = await runCli(['diagnose', '--prometheus.url', promUrl(), '--window', '10s']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('bottleneck: concurrency on pi-producer-1 (producer)');
    expect(lines[1]).toContain('pi-producer-1 (producer) keeps 15.8 of 16 allowed requests in flight at 12 ms each');
    expect(lines[1]).toContain("Little's law caps it at 1317/s");
    expect(lines[1]).toMatch(/measured 1[23]\d\d\/s/);
    expect(lines[1]).toContain('busiest: pi-db-1 (database) CPU at 42%');
    expect(lines[1]).toContain('raise --concurrency');
    expect(lines.slice(2)).toEqual([
      '',
      'HOST           ROLE      RESOURCE  BUSY',
      'pi-db-1        database  cpu        42%',
      'pi-broker-1    broker    cpu        35%',
      'pi-db-1        database  disk       30%',
      'pi-producer-1  producer  cpu        20%',
      'pi-broker-1    broker    disk       10%',
      'pi-producer-1  producer  disk        5%',
      '',
    ]);
  });

  it('--json prints the verdict and the host samples joined across both jobs', async () => {
    const run = await runCli(['diagnose', '--prometheus.url', `${promUrl()}/`, '--window', '10s', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.prometheus).toBe(promUrl());
    expect(doc.window.seconds).toBe(10);
    expect(doc.verdict.kind).toBe('concurrency');
    expect(doc.verdict.host).toBe('pi-producer-1');
    expect(doc.skipped).toEqual([]);
    expect(doc.hosts.map((h: { host: string; role: string }) => `${h.host}/${h.role}`)).toEqual([
      'pi-broker-1/broker',
      'pi-db-1/database',
      'pi-producer-1/producer',
    ]);
    for (const expected of HOSTS) {
      const got = doc.hosts.find((h: { host: string }) => h.host === expected.host);
      expect(got.cpu).toBeCloseTo(expected.cpu, 2);
      expect(got.io).toBeCloseTo(expected.io, 2);
      expect(got.temperatureCelsius).toBe(expected.temperatureCelsius);
      // under_voltage does not count as throttled
      expect(got.throttled).toBe(false);
      if (expected.load) {
        expect(got.inflight).toBeCloseTo(15.8, 6);
        expect(got.concurrency).toBe(16);
        expect(got.latency).toBeCloseTo(0.012, 6);
        expect(got.tps / 1310).toBeCloseTo(1, 1);
      } else {
        expect(got.tps).toBeUndefined();
      }
    }
  });
});

describe('commands > diagnose errors: one line, exit 2', () => {
  it('unreachable Prometheus', async () => {
    const port = await freePort();
    const run = await runCli(['diagnose', '--prometheus.url', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`pitower: Prometheus at http://127.0.0.1:${port}: cannot connect (ECONNREFUSED)\n`);
  });

  it('a URL that is not a Prometheus API', async () => {
    const server = await serveMetricsText('up 1\n');
    try {
      const run = await runCli(['diagnose', '--prometheus.url', `http://${server.target}`]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `pitower: Prometheus at http://${server.target}: not a Prometheus API (HTTP 404, no JSON from /api/v1/query)\n`,
      );
    } finally {
      await server.stop();
    }
  });

  it('a query the server rejects (a real Prometheus with --query.max-samples=1)', async () => {
    const limited = await startPrometheus({
      configYaml: ['global: { scrape_interval: 1s, scrape_timeout: 900ms }', 'scrape_configs:', '  - job_name: self', "    static_configs: [{ targets: ['127.0.0.1:0'] }]", ''].join('\n'),
      extraArgs: ['--query.max-samples=1'],
    });
    try {
      // Until two samples of `up` exist a range query loads fewer than the limit.
      await limited.waitForQuery('up');
      await new Promise((r) => setTimeout(r, 2500));
      const run = await runCli(['diagnose', '--prometheus.url', limited.url, '--window', '10s']);
      expect(run.stdout).toBe('');
      expect(run.code).toBe(2);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^pitower: Prometheus at ${limited.url} rejected a query: query processing would load too many samples into memory in query execution \\(query: .{1,101}\\)$`));
    } finally {
      await limited.stop();
    }
  }, 60_000);

  it.each([
    [['--prometheus.url', 'localhost:9090'], 'pitower: --prometheus.url: invalid URL "localhost:9090": only http and https are supported\n'],
    [['--prometheus.url', 'http://x:9090', '--window', 'soon'], 'pitower: --window: invalid duration "soon": expected e.g. 500ms, 5s, 1m30s\n'],
    [['--prometheus.url', 'http://x:9090', '--window', '0s'], 'pitower: --window: "0s" must be greater than 0\n'],
    [[], 'pitower: --prometheus.url is required (or $PITOWER_PROMETHEUS_URL)\n'],
  ])('bad input %j', async (args, message) => {
    const saved = process.env.PITOWER_PROMETHEUS_URL;
    delete process.env.PITOWER_PROMETHEUS_URL;
    try {
      const run = await runCli(['diagnose', ...args]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(message);
    } finally {
      if (saved !== undefined) process.env.PITOWER_PROMETHEUS_URL = saved;
    }
  });
});
