import { DEFAULT_OPTIONS, ProbeCell, Series } from '../types';
import { toSeries } from './frames';
import { createProbeFrames, SCREENSHOT_PROBE } from './fixtures';
import { toHistogramQuantile, toProbeViewModel, toRangeCount } from './to-probe-view-model';

const series = (name: string, labels: Record<string, string>, values: Array<number | null>, refId = name): Series => ({
  refId,
  labels,
  times: values.map((_, i) => i * 15_000),
  values,
});
/** One broker's latency histogram as the dashboard's instant increase() gives it: cumulative counts by le. */
const histogram = (broker: string, counts: Record<string, number>, labels: Record<string, string> = {}) =>
  Object.entries(counts).map(([le, n]) => series('pitower_probe_end_to_end_latency_seconds_bucket', { broker, le, ...labels }, [n]));
const failed = (broker: string, values: Array<number | null>, labels: Record<string, string> = {}) =>
  series('pitower_probe_records_failed_total', { broker, ...labels }, values);
const lost = (broker: string, values: Array<number | null>, labels: Record<string, string> = {}) =>
  series('pitower_probe_records_lost_total', { broker, ...labels }, values);
const cells = (input: Series[]) => toProbeViewModel(input, DEFAULT_OPTIONS)?.cells;
const healthy = { '0.01': 50, '0.05': 99, '+Inf': 100 };

describe('data > to-probe-view-model', () => {
  test.each<[string, Array<[number, number]>, number | undefined]>([
    ['rank 99 at the top of (0.01, 0.05]', [[0.01, 50], [0.05, 99], [Infinity, 100]], 0.05],
    ['first bucket interpolates from 0', [[0.1, 100], [Infinity, 100]], 0.099],
    ['rank in +Inf: the second-highest bound', [[0.5, 10], [Infinity, 100]], 0.5],
    ['order of the buckets does not matter', [[Infinity, 100], [0.05, 99], [0.01, 50]], 0.05],
    ['counts falling with le are raised to monotonic', [[0.01, 60], [0.05, 59], [0.1, 100], [Infinity, 100]], 0.09875],
    ['no +Inf bucket', [[0.01, 50], [0.05, 100]], undefined],
    ['no observations', [[0.01, 0], [Infinity, 0]], undefined],
    ['one bucket only', [[Infinity, 100]], undefined],
  ])('toHistogramQuantile(0.99): %s', (_name, buckets, expected) => {
    const got = toHistogramQuantile(0.99, buckets.map(([le, count]) => ({ le, count })));
    if (expected === undefined) {
      expect(got).toBeUndefined();
    } else {
      expect(got).toBeCloseTo(expected, 12);
    }
  });

  test.each<[string, Array<number | null>, number | undefined]>([
    ['one sample: the instant increase() itself', [42], 42],
    ['a raw counter: its rises', [5, 7, 7, 9], 4],
    ['a drop is a reset, counted from 0', [5, 7, 2, 3], 5],
    ['nulls are skipped', [null, 3, null, 4], 1],
    ['no value', [null, null], undefined],
  ])('toRangeCount: %s', (_name, values, expected) => {
    expect(toRangeCount(series('x', {}, values))).toBe(expected);
  });

  test('no probe series: no probe view', () => {
    expect(toProbeViewModel([series('pitower_kafka_broker_up', { broker: '1' }, [1])], DEFAULT_OPTIONS)).toBeUndefined();
  });

  test('one cell per broker, by id, with levels against 0.25 s / 1 s', () => {
    expect(
      cells([
        ...histogram('1', healthy),
        failed('1', [0]),
        lost('1', [0]),
        // lost > 0 is red whatever the latency
        ...histogram('2', healthy),
        lost('2', [1.0526]),
        // a stuck leader: nothing came back, every send failed
        ...histogram('3', { '0.01': 0, '0.05': 0, '+Inf': 0 }),
        failed('3', [31.6]),
        // p99 exactly at the warning threshold is a warning
        ...histogram('10', { '0.1': 0, '0.25': 99, '+Inf': 100 }),
        // p99 2.35 s
        ...histogram('4', { '0.5': 0, '1': 90, '2.5': 100, '+Inf': 100 }),
      ]),
    ).toEqual<ProbeCell[]>([
      { broker: '1', p99Seconds: 0.05, received: 100, failed: 0, lost: 0, latencyLevel: 'ok', failedLevel: 'ok', lostLevel: 'ok', level: 'ok' },
      { broker: '2', p99Seconds: 0.05, received: 100, failed: 0, lost: 1, latencyLevel: 'ok', failedLevel: 'ok', lostLevel: 'critical', level: 'critical' },
      { broker: '3', p99Seconds: undefined, received: 0, failed: 32, lost: 0, latencyLevel: 'ok', failedLevel: 'warn', lostLevel: 'ok', level: 'warn' },
      { broker: '4', p99Seconds: 2.35, received: 100, failed: 0, lost: 0, latencyLevel: 'critical', failedLevel: 'ok', lostLevel: 'ok', level: 'critical' },
      { broker: '10', p99Seconds: 0.25, received: 100, failed: 0, lost: 0, latencyLevel: 'warn', failedLevel: 'ok', lostLevel: 'ok', level: 'warn' },
    ]);
  });

  test('sums over probing exporters and partitions, and reads raw counters of a range query', () => {
    const got = cells([
      // two exporters probe broker 1, each with half of the records
      ...histogram('1', { '0.01': 25, '0.05': 49.5, '+Inf': 50 }, { instance: 'pi-a', partition: '0' }),
      ...histogram('1', { '0.01': 25, '0.05': 49.5, '+Inf': 50 }, { instance: 'pi-b', partition: '0' }),
      // broker 1 led partition 0 and, after a leader move, partition 2 too
      failed('1', [2], { instance: 'pi-a', partition: '0' }),
      failed('1', [1], { instance: 'pi-a', partition: '2' }),
      // raw lost counter over the range, with an exporter restart in it
      lost('1', [4, 4, 5, 0, 1], { instance: 'pi-b', partition: '0' }),
    ]);
    expect(got).toEqual([expect.objectContaining({ broker: '1', p99Seconds: 0.05, received: 100, failed: 3, lost: 2, level: 'critical' })]);
  });

  test('series without a broker or an le label are left out', () => {
    const got = cells([
      ...histogram('1', healthy),
      series('pitower_probe_end_to_end_latency_seconds_bucket', { le: '0.01' }, [7]),
      series('pitower_probe_end_to_end_latency_seconds_bucket', { broker: '1' }, [7]),
      series('pitower_probe_records_lost_total', {}, [3]),
    ]);
    expect(got?.map((c) => [c.broker, c.p99Seconds, c.lost])).toEqual([['1', 0.05, 0]]);
  });

  test('the names come from the options (refId or __name__)', () => {
    const renamed = series('A', { __name__: 'my_lost_total', broker: '5' }, [2], 'A');
    expect(toProbeViewModel([renamed], { ...DEFAULT_OPTIONS, probeLostMetric: 'my_lost_total' })?.cells.map((c) => [c.broker, c.lost])).toEqual([['5', 2]]);
    expect(toProbeViewModel([renamed], DEFAULT_OPTIONS)).toBeUndefined();
  });

  test('the screenshot fixture: one healthy, one slow, one failing, one losing broker', () => {
    const got = cells(toSeries(createProbeFrames(SCREENSHOT_PROBE)));
    expect(got?.map((c) => [c.broker, c.level, c.failed, c.lost])).toEqual([
      ['1', 'ok', 0, 0],
      ['2', 'ok', 0, 0],
      ['3', 'warn', 0, 0],
      ['4', 'ok', 0, 0],
      ['5', 'warn', 12, 0],
      ['6', 'critical', 0, 2],
    ]);
    // e.g. broker 3: 580 of 600 under 0.25 s, rank 594 -> 0.25 + 0.25 * 14 / 20
    const p99 = [0.05, 0.0425, 0.425, 0.0241, 0.031625, 0.062625];
    got?.forEach((c, i) => expect(c.p99Seconds).toBeCloseTo(p99[i], 12));
  });
});
