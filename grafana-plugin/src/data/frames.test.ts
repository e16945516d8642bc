import { DataFrame, FieldType } from '@grafana/data';
import { compareIds, lastValue, matches, mergeReporters, reduceSeries, toSeries } from './frames';
import { seriesFrame, T0 } from './fixtures';
import { Series } from '../types';

const s = (values: Array<number | null>, labels: Record<string, string> = {}, refId = 'A'): Series => ({
  refId,
  labels,
  times: values.map((_, i) => i),
  values,
});

describe('data > frames', () => {
  test('time series frame -> one series with labels and points', () => {
    const out = toSeries([seriesFrame('A', { __name__: 'm', topic: 't' }, [1, null, 3])]);
    expect(out).toEqual([{ refId: 'A', labels: { __name__: 'm', topic: 't' }, times: [T0, T0 + 15000, T0 + 30000], values: [1, null, 3] }]);
  });

  test('table frame -> one series per row, labels from string columns', () => {
    const frame: DataFrame = {
      refId: 'B',
      length: 2,
      fields: [
        { name: 'Time', type: FieldType.time, values: [10, 10], config: {} },
        { name: '__name__', type: FieldType.string, values: ['m', 'm'], config: {} },
        { name: 'topic', type: FieldType.string, values: ['a', 'b'], config: {} },
        { name: 'Value #B', type: FieldType.number, values: [5, 'NaN'], config: {} },
      ],
    };
    expect(toSeries([frame])).toEqual([
      { refId: 'B', labels: { __name__: 'm', topic: 'a' }, times: [10], values: [5] },
      { refId: 'B', labels: { __name__: 'm', topic: 'b' }, times: [10], values: [null] },
    ]);
  });

  test('frames without number fields are skipped', () => {
    const frame: DataFrame = { length: 1, fields: [{ name: 'x', type: FieldType.string, values: ['a'], config: {} }] };
    expect(toSeries([frame])).toEqual([]);
  });

  test.each([
    [{ __name__: 'm' }, 'A', 'm', true],
    [{}, 'm', 'm', true],
    [{ __name__: 'x' }, 'A', 'm', false],
    [{ __name__: '' }, '', '', false],
    [{ __name__: 'b' }, 'A', 'a, b', true],
    [{}, 'b', 'a,b', true],
    [{}, 'A', ' , ', false],
  ])('matches(%p, refId %p, %p) = %p', (labels, refId, name, expected) => {
    expect(matches(s([1], labels as Record<string, string>, refId), name)).toBe(expected);
  });

  test.each([
    [[1, 2, null], 'last', 2],
    [[null, null], 'last', undefined],
    [[1, 2, 6], 'mean', 3],
    [[1, null, 6, 2], 'max', 6],
    [[], 'mean', undefined],
  ] as const)('reduce %p by %s = %p', (values, reducer, expected) => {
    expect(reduceSeries(s([...values]), reducer)).toBe(expected);
  });

  test('lastValue skips trailing nulls', () => {
    expect(lastValue(s([4, null]))).toBe(4);
  });

  test.each([
    ['2', '10', -8],
    ['b', 'a', 1],
    ['1', '1', 0],
  ])('compareIds(%s, %s) = %d', (a, b, expected) => {
    expect(compareIds(a, b)).toBe(expected);
  });

  test('mergeReporters joins one series over a hand-over between exporters, and counts overlaps', () => {
    const at = (instance: string, times: number[], values: Array<number | null>, labels: Record<string, string> = { topic: 't' }): Series => ({
      refId: 'A',
      labels: { ...labels, instance },
      times,
      values,
    });
    const handOver = mergeReporters([at('pi-b', [2, 3], [5, 6]), at('pi-a', [0, 1, 2], [3, 4, null])]);
    expect(handOver).toEqual({ series: [{ refId: 'A', labels: { topic: 't' }, times: [0, 1, 2, 3], values: [3, 4, 5, 6] }], overlaps: 0 });
    // both report at t=1: the one that started later wins there
    const both = mergeReporters([at('pi-a', [0, 1], [1, 1]), at('pi-b', [1, 2], [2, 2])]);
    expect(both).toEqual({ series: [{ refId: 'A', labels: { topic: 't' }, times: [0, 1, 2], values: [1, 2, 2] }], overlaps: 1 });
    // other labels, other refIds: kept apart
    expect(mergeReporters([at('pi-a', [0], [1]), at('pi-a', [0], [1], { topic: 'u' }), { ...at('pi-a', [0], [1]), refId: 'B' }]).series).toHaveLength(3);
  });
});
