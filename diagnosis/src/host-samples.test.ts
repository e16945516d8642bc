import { classifyBottleneck } from './bottleneck';
import {
  toHostName,
  toHostSampleReport,
  toHostSamples,
  type PromSeries,
  type QueryResults,
  type SkippedHost,
} from './host-samples';
import { toPromDuration, toPromQueries } from './queries';
import { formatVerdict } from './format';

/** Test factory: one instant-vector series. */
function s(instance: string, role: string | undefined, value: string): PromSeries {
  const metric: Record<string, string> = { instance };
  if (role !== undefined) metric.role = role;
  return { metric, value: [1795300000, value] };
}

describe('diagnosis > toHostName', () => {
  it.each([
    ['pi-db-1:9100', 'pi-db-1'],
    ['pi-db-1', 'pi-db-1'],
    ['10.0.0.5:9742', '10.0.0.5'],
    ['[fd00::1]:9100', 'fd00::1'],
    ['[fd00::1]', 'fd00::1'],
    ['fd00::1', 'fd00::1'],
    ['pi-db-1.lab.local:9100', 'pi-db-1.lab.local'],
  ])('%s -> %s', (instance, host) => {
    expect(toHostName(instance)).toBe(host);
  });
});

describe('diagnosis > toHostSamples', () => {
  const cases: { name: string; results: QueryResults; hosts: ReturnType<typeof toHostSamples>; skipped?: SkippedHost[] }[] = [
    {
      name: 'node and pitower jobs of one Pi joined by instance, port stripped',
      results: {
        cpu: [s('pi-db-1:9100', 'database', '0.97')],
        io: [s('pi-db-1:9100', 'database', '0.25')],
        temperature: [s('pi-db-1', 'database', '71.5')],
        throttled: [s('pi-db-1', 'database', '0')],
      },
      hosts: [{ host: 'pi-db-1', role: 'database', cpu: 0.97, io: 0.25, temperatureCelsius: 71.5, throttled: false }],
    },
    {
      name: 'producer with every load-generator field',
      results: {
        cpu: [s('pi-producer-1', 'producer', '0.2')],
        tps: [s('pi-producer-1', 'producer', '1310')],
        latency: [s('pi-producer-1', 'producer', '0.012')],
        inflight: [s('pi-producer-1', 'producer', '15.8')],
        concurrency: [s('pi-producer-1', 'producer', '16')],
      },
      hosts: [{ host: 'pi-producer-1', role: 'producer', cpu: 0.2, tps: 1310, latency: 0.012, inflight: 15.8, concurrency: 16 }],
    },
    {
      name: 'throttled share: 10% of the window counts, 5% does not',
      results: {
        cpu: [s('a', 'broker', '0.5'), s('b', 'broker', '0.5')],
        throttled: [s('a', 'broker', '0.1'), s('b', 'broker', '0.05')],
      },
      hosts: [
        { host: 'a', role: 'broker', cpu: 0.5, throttled: true },
        { host: 'b', role: 'broker', cpu: 0.5, throttled: false },
      ],
    },
    {
      name: 'NaN latency (no transactions in the window) and +Inf are left out',
      results: {
        cpu: [s('p', 'producer', '0.1')],
        latency: [s('p', 'producer', 'NaN')],
        tps: [s('p', 'producer', '0')],
        io: [s('p', 'producer', '+Inf')],
      },
      hosts: [{ host: 'p', role: 'producer', cpu: 0.1, tps: 0 }],
    },
    {
      name: 'two exporters on one host: load counts add up, the worst of the rest wins',
      results: {
        cpu: [s('p:9100', 'producer', '0.3')],
        tps: [s('p:9742', 'producer', '500'), s('p:9743', 'producer', '700')],
        inflight: [s('p:9742', 'producer', '8'), s('p:9743', 'producer', '7.5')],
        concurrency: [s('p:9742', 'producer', '8'), s('p:9743', 'producer', '8')],
        latency: [s('p:9742', 'producer', '0.016'), s('p:9743', 'producer', '0.011')],
        temperature: [s('p:9742', 'producer', '60'), s('p:9743', 'producer', '62')],
      },
      hosts: [{ host: 'p', role: 'producer', cpu: 0.3, tps: 1200, inflight: 15.5, concurrency: 16, latency: 0.016, temperatureCelsius: 62 }],
    },
    {
      name: 'a load generator without a role label is a producer',
      results: { cpu: [s('p', undefined, '0.1')], inflight: [s('p', undefined, '4')] },
      hosts: [{ host: 'p', role: 'producer', cpu: 0.1, inflight: 4 }],
    },
    {
      name: 'role from the node_exporter answer first',
      results: { cpu: [s('x:9100', 'database', '0.4')], temperature: [s('x:9742', 'broker', '50')] },
      hosts: [{ host: 'x', role: 'database', cpu: 0.4, temperatureCelsius: 50 }],
    },
    {
      name: 'no role, unknown role, no CPU numbers: skipped with the reason',
      results: {
        cpu: [s('norole', undefined, '0.5'), s('zk', 'zookeeper', '0.5'), s('ok', 'broker', '0.5')],
        temperature: [s('nocpu', 'broker', '55')],
      },
      hosts: [{ host: 'ok', role: 'broker', cpu: 0.5 }],
      skipped: [
        { host: 'nocpu', kind: 'no-cpu', reason: 'no node_exporter CPU numbers (node_cpu_seconds_total) in the window' },
        { host: 'norole', kind: 'no-role', reason: 'no role label (producer, broker or database) on its targets' },
        { host: 'zk', kind: 'unknown-role', reason: 'role "zookeeper" is not producer, broker or database' },
      ],
    },
    {
      name: 'series without an instance label are ignored; output sorted by host',
      results: { cpu: [{ metric: { role: 'broker' }, value: [0, '0.9'] }, s('b', 'broker', '0.2'), s('a', 'database', '0.3')] },
      hosts: [
        { host: 'a', role: 'database', cpu: 0.3 },
        { host: 'b', role: 'broker', cpu: 0.2 },
      ],
    },
    {
      name: 'nothing at all',
      results: {},
      hosts: [],
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const report = toHostSampleReport(c.results);
    expect(report.hosts).toEqual(c.hosts);
    expect(report.skipped).toEqual(c.skipped ?? []);
    expect(toHostSamples(c.results)).toEqual(c.hosts);
  });
});

describe('diagnosis > queries', () => {
  it.each([
    [300, '300s'],
    [30, '30s'],
    [0.5, '500ms'],
    [90.25, '90250ms'],
  ])('toPromDuration(%s) = %s', (seconds, text) => {
    expect(toPromDuration(seconds)).toBe(text);
  });

  it('every query keeps (instance, role) and uses the window', () => {
    const queries = toPromQueries(300);
    expect(Object.keys(queries).sort()).toEqual([
      'concurrency', 'cpu', 'generatorCpu', 'inflight', 'io', 'latency', 'loopDelay', 'scheduleLag', 'temperature', 'throttled', 'tps',
    ]);
    for (const expr of Object.values(queries)) {
      expect(expr).toContain('by (instance, role)');
      expect(expr).toContain('[300s]');
      expect(expr).not.toContain('$W');
    }
    expect(queries.io).toBe('max by (instance, role) (rate(node_disk_io_time_seconds_total[300s]))');
    expect(queries.cpu).toBe(
      '1 - (sum by (instance, role) (rate(node_cpu_seconds_total{mode=~"idle|iowait|steal"}[300s]))' +
        ' / count by (instance, role) (rate(node_cpu_seconds_total{mode="idle"}[300s])))',
    );
    // the generator's process metrics only from the pitower processes that run the load generator
    expect(queries.generatorCpu).toBe(
      'max by (instance, role) (rate(process_cpu_seconds_total[300s]) * on (instance, job) group_left () group by (instance, job) (pitower_load_info))',
    );
  });
});

describe('diagnosis > formatVerdict', () => {
  it('prints the headline, the sentence and the ranked table with saturated marks', () => {
    const text = formatVerdict(
      classifyBottleneck([
        { host: 'pi-db-1', role: 'database', cpu: 0.35, io: 0.98 },
        { host: 'pi-producer-1', role: 'producer', cpu: 0.2 },
      ]),
    );
    expect(text).toBe(
      [
        'bottleneck: io on pi-db-1 (database)',
        'pi-db-1 (database) disk is 98% busy (0.98 s of IO per second), the most saturated resource: give the database faster storage than an SD card or commit in larger batches.',
        '',
        'HOST           ROLE      RESOURCE  BUSY',
        'pi-db-1        database  disk       98%  saturated',
        'pi-db-1        database  cpu        35%',
        'pi-producer-1  producer  cpu        20%',
        '',
      ].join('\n'),
    );
  });

  it('prints a bare headline for none without hosts', () => {
    expect(formatVerdict(classifyBottleneck([]))).toBe(
      'bottleneck: none\nNo host samples to judge: check that Prometheus scrapes node_exporter with a role label on each target.\n',
    );
  });
});
