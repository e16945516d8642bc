import { formatProgressLine, formatSeconds, formatSummaryTable, RunStats, toTps, type LoadSummary } from './stats';
import type { Reading } from './reading';

const reading = {} as Reading;

describe('load > stats', () => {
  test('measured outcomes go to the histogram; warm-up is counted apart', () => {
    const s = new RunStats();
    for (let i = 1; i <= 100; i++) s.success(reading, i / 1000, true); // 1..100 ms
    s.success(reading, 5, false);
    s.failure(3, 'connection', true);
    s.failure(2, 'timeout', false);
    expect([s.transactions, s.errors, s.warmupTransactions, s.warmupErrors]).toEqual([100, 3, 1, 2]);
    expect(s.errorsByReason).toEqual({ connection: 3 });
    const l = s.latency();
    expect(l.p50).toBeCloseTo(0.05, 3);
    expect(l.p90).toBeCloseTo(0.09, 3);
    expect(l.p99).toBeCloseTo(0.099, 3);
    expect(l.max).toBeCloseTo(0.1, 3);
  });

  test('an empty run has zero latencies and tps', () => {
    expect(new RunStats().latency()).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
    expect(toTps(0, 0)).toBe(0);
    expect(toTps(500, 2)).toBe(250);
  });

  test('snapshot: tps now over the interval since the last snapshot', () => {
    const s = new RunStats();
    for (let i = 0; i < 10; i++) s.success(reading, 0.001, true);
    expect(s.snapshot(1000, 0, 5000)).toMatchObject({ elapsedSeconds: 1, remainingSeconds: 4, transactions: 10, tpsNow: 10, tpsAverage: 10 });
    for (let i = 0; i < 30; i++) s.success(reading, 0.001, true);
    expect(s.snapshot(1500, 0, undefined)).toMatchObject({ remainingSeconds: undefined, tpsNow: 60, transactions: 40 });
  });

  test.each([
    [2.5, '2.50 s'],
    [0.00123, '1.23 ms'],
    [0.00085, '850 µs'],
  ])('formatSeconds %p -> %p', (s, text) => {
    expect(formatSeconds(s)).toBe(text);
  });

  test('progress line and final table', () => {
    expect(formatProgressLine({ elapsedSeconds: 3, remainingSeconds: 7, transactions: 300, errors: 2, tpsNow: 101.4, tpsAverage: 100, p50: 0.002, p99: 0.0101 })).toBe(
      '3s, 7s left  tps 101 (avg 100)  p50 2.00 ms  p99 10.10 ms  ok 300  errors 2',
    );
    const summary: LoadSummary = {
      interrupted: false,
      planned: { seconds: 2, count: null },
      backend: 'mysql',
      target: 'db:3306/lab',
      producer: 'pi-1-1764600000000',
      mode: 'closed',
      concurrency: 8,
      rate: null,
      transactions: 1000,
      errors: 3,
      errorsByReason: { connection: 3 },
      seconds: 2,
      tps: 500,
      latency: { p50: 0.001, p90: 0.002, p99: 0.004, max: 0.5 },
      warmup: { transactions: 0, errors: 0 },
      audit: { acknowledged: 1000, found: 1000, lost: 0, duplicated: 0, unacknowledgedPresent: 0 },
    };
    expect(formatSummaryTable(summary).split('\n')).toEqual([
      'backend       mysql db:3306/lab',
      'loop          closed, concurrency 8',
      'transactions  1000',
      'errors        3 (connection 3)',
      'seconds       2.000',
      'tps           500.0',
      'latency p50   1.00 ms',
      'latency p90   2.00 ms',
      'latency p99   4.00 ms',
      'latency max   500.00 ms',
      'audit         acknowledged 1000, found 1000, lost 0, duplicated 0, unacknowledged present 0',
    ]);
  });

  test.each<[number, string]>([
    [Infinity, '3s, 7s left  tps 101 (avg 100)  p50 2.00 ms  p99 10.10 ms  ok 300  errors 2'],
    [80, '3s, 7s left  tps 101 (avg 100)  p50 2.00 ms  p99 10.10 ms  ok 300  errors 2'],
    [70, '3s, 7s left  tps 101  p50 2.00 ms  p99 10.10 ms  ok 300  errors 2'],
    [56, '3s, 7s left  tps 101  p99 10.10 ms  ok 300  errors 2'],
    [49, '3s  tps 101  p99 10.10 ms  ok 300  errors 2'],
    [40, '3s  tps 101  ok 300  errors 2'],
    [29, '3s  tps 101  ok 300  errors 2'],
    [20, '3s  tps 101  ok 300 '],
  ])('progress line in %p columns', (width, line) => {
    const snapshot = { elapsedSeconds: 3, remainingSeconds: 7, transactions: 300, errors: 2, tpsNow: 101.4, tpsAverage: 100, p50: 0.002, p99: 0.0101 };
    expect(formatProgressLine(snapshot, width)).toBe(line);
    expect(formatProgressLine(snapshot, width).length).toBeLessThanOrEqual(width);
  });

  test('an interrupted run says so first, with what it covers', () => {
    const base: LoadSummary = {
      backend: 'null',
      target: '',
      producer: 'p',
      mode: 'closed',
      concurrency: 1,
      rate: null,
      transactions: 980,
      errors: 0,
      errorsByReason: {},
      seconds: 1.96,
      tps: 500,
      latency: { p50: 0, p90: 0, p99: 0, max: 0 },
      warmup: { transactions: 0, errors: 0 },
      interrupted: true,
      planned: { seconds: 10, count: null },
    };
    const table = formatSummaryTable(base).split('\n');
    expect(table[0]).toBe('run           INTERRUPTED after 2.0 s: the figures cover 2.0 s of a 10 s run');
    expect(table).toContain('seconds       1.960 of 10 planned');
    expect(formatSummaryTable({ ...base, planned: { seconds: null, count: 5000 } }).split('\n')[0]).toBe('run           INTERRUPTED after 2.0 s: 980 of 5000 readings written');
    expect(formatSummaryTable({ ...base, interrupted: false }).split('\n')[0]).toBe('backend       null (no I/O)');
  });

  test('audit rows: the level a Cassandra read-back used, or why there is no audit', () => {
    const base: LoadSummary = {
      backend: 'cassandra', target: 'c1:9042', producer: 'p', mode: 'closed', concurrency: 1, rate: null, transactions: 10, errors: 0, errorsByReason: {}, seconds: 1,
      tps: 10, latency: { p50: 0, p90: 0, p99: 0, max: 0 }, warmup: { transactions: 0, errors: 0 }, interrupted: false, planned: { seconds: 1, count: null },
    };
    const audited = formatSummaryTable({ ...base, audit: { acknowledged: 10, found: 10, lost: 0, duplicated: 0, unacknowledgedPresent: 0, readAt: 'one', readAtNote: 'one replica answered' } });
    expect(audited.split('\n').slice(-2)).toEqual([
      'audit          acknowledged 10, found 10, lost 0, duplicated 0, unacknowledged present 0',
      'audit read at  ONE: one replica answered',
    ]);
    expect(formatSummaryTable({ ...base, audit: { error: 'audit of cassandra c1:9042 failed: no replica' } }).split('\n').pop()).toBe('audit         FAILED: audit of cassandra c1:9042 failed: no replica');
  });
});
