import { DEFAULT_OPTIONS, Series } from '../types';
import { toSeries } from './frames';
import { createIsrFrames, STEP_MS, T0 } from './fixtures';
import { increases, NO_ISR_SERIES_NOTICE, toIsrViewModel } from './to-isr-view-model';

const m = (name: string, labels: Record<string, string>, values: Array<number | null>): Series => ({
  refId: 'A',
  labels: { __name__: name, ...labels },
  times: values.map((_, i) => i * 1000),
  values,
});
const p0 = { topic: 't', partition: '0' };
const vm = (series: Series[], topicFilter = '') => toIsrViewModel(series, { ...DEFAULT_OPTIONS, topicFilter });

describe('data > to-isr-view-model', () => {
  test.each<[Array<number | null>, Array<[number, number]>]>([
    [[4, 4, 5, 5, 0, 2], [[2, 1], [5, 2]]],
    [[null, 1, null, 3], [[3, 2]]],
    [[0, 0], []],
    [[3, 1], [[1, 1]]],
  ])('counter increases %p -> %p', (values, expected) => {
    expect(increases(m('c', p0, values))).toEqual(expected);
  });

  test('per-replica transitions name the broker that left and rejoined', () => {
    const model = vm([
      m('pitower_kafka_partition_replica_in_sync', { ...p0, broker: '3' }, [1, 1, 0, 0, 1]),
      m('pitower_kafka_partition_replica_in_sync', { ...p0, broker: '1' }, [1, 1, 1, 1, 1]),
    ]);
    expect(model.mode).toBe('replicas');
    expect(model.events).toEqual([
      { time: 4000, topic: 't', partition: 0, broker: '3', kind: 'expand', count: 1 },
      { time: 2000, topic: 't', partition: 0, broker: '3', kind: 'shrink', count: 1 },
    ]);
    expect(model.buckets.map((b) => [b.shrinks, b.expands])).toEqual([[0, 0], [0, 0], [1, 0], [0, 0], [0, 1]]);
    expect(model.partitions).toEqual([
      { topic: 't', partition: 0, shrinks: 1, expands: 1, underReplicatedSeconds: 0, offlineSeconds: 0, firstTime: 2000, lastTime: 4000, brokers: ['3'] },
    ]);
  });

  test('counters drive bucket counts; without replica series they also make broker-less events', () => {
    const model = vm([
      m('pitower_kafka_partition_isr_shrinks_total', p0, [0, 0, 2, 2]),
      m('pitower_kafka_partition_isr_expands_total', p0, [0, 0, 0, 1]),
    ]);
    expect(model.mode).toBe('counters');
    expect(model.buckets.map((b) => [b.shrinks, b.expands])).toEqual([[0, 0], [0, 0], [2, 0], [0, 1]]);
    expect(model.events).toEqual([
      { time: 3000, topic: 't', partition: 0, kind: 'expand', count: 1 },
      { time: 2000, topic: 't', partition: 0, kind: 'shrink', count: 2 },
    ]);
    expect(model.totals).toEqual({ shrinks: 2, expands: 1, maxUnderReplicated: 0, maxOffline: 0 });
  });

  test('level series: counts per bucket and seconds per partition', () => {
    const model = vm([
      m('kafka_topic_partition_under_replicated_partition', p0, [0, 1, 1, 0]),
      m('kafka_topic_partition_under_replicated_partition', { topic: 't', partition: '1' }, [0, 1, 0, 0]),
      m('pitower_kafka_partition_offline', p0, [0, 0, 1, 1]),
      m('pitower_kafka_partition_under_min_isr', p0, [0, 0, 1, 0]),
    ]);
    expect(model.buckets.map((b) => [b.underReplicated, b.offline, b.underMinIsr])).toEqual([[0, 0, 0], [2, 0, 0], [1, 1, 1], [0, 1, 0]]);
    expect(model.partitions.map((p) => [p.partition, p.underReplicatedSeconds, p.offlineSeconds])).toEqual([[0, 2, 2], [1, 1, 0]]);
    expect(model.totals).toEqual({ shrinks: 0, expands: 0, maxUnderReplicated: 2, maxOffline: 1 });
  });

  test('a hand-over of the reporter lease: levels joined, counters counted per exporter (no jump between their bases)', () => {
    const on = (s: Series, instance: string, times: number[]): Series => ({ ...s, labels: { ...s.labels, instance }, times });
    const model = vm([
      // pi-a counted 1 shrink, then pi-b (whose counter stands at 10 from its own start) counts 2 more
      on(m('pitower_kafka_partition_isr_shrinks_total', p0, [0, 1]), 'pi-a', [0, 1000]),
      on(m('pitower_kafka_partition_isr_shrinks_total', p0, [10, 12]), 'pi-b', [2000, 3000]),
      on(m('kafka_topic_partition_under_replicated_partition', p0, [0, 1]), 'pi-a', [0, 1000]),
      on(m('kafka_topic_partition_under_replicated_partition', p0, [1, 0]), 'pi-b', [2000, 3000]),
    ]);
    expect(model.totals.shrinks).toBe(3);
    expect(model.buckets.map((b) => [b.shrinks, b.underReplicated])).toEqual([[0, 0], [1, 1], [0, 1], [2, 0]]);
    expect(model.warnings).toEqual([]);
  });

  test('duplicated series are ignored and reported', () => {
    const a = m('pitower_kafka_partition_isr_shrinks_total', p0, [0, 1]);
    const model = vm([a, { ...a, refId: 'B' }]);
    expect(model.totals.shrinks).toBe(1);
    expect(model.warnings).toEqual(['1 duplicated series ignored (are two collectors scraping the same cluster?)']);
  });

  test('series without topic/partition and filtered topics are skipped; nothing left -> empty notice', () => {
    const model = vm([m('pitower_kafka_partition_isr_shrinks_total', {}, [0, 1]), m('pitower_kafka_partition_isr_shrinks_total', { topic: 'x', partition: '0' }, [0, 1])], '^t$');
    expect(model).toMatchObject({ mode: 'empty', notice: NO_ISR_SERIES_NOTICE, buckets: [] });
  });

  test('quiet range: series present, no incidents', () => {
    const model = vm([m('pitower_kafka_partition_isr_shrinks_total', p0, [3, 3, 3])]);
    expect(model.mode).toBe('counters');
    expect(model.events).toEqual([]);
    expect(model.partitions).toEqual([]);
    expect(model.buckets).toHaveLength(3);
  });

  test('fixture history', () => {
    const model = vm(toSeries(createIsrFrames()));
    expect(model.totals).toEqual({ shrinks: 4, expands: 3, maxUnderReplicated: 2, maxOffline: 1 });
    expect(model.events.filter((e) => e.kind === 'shrink').map((e) => `${e.topic}/${e.partition}@${(e.time - T0) / STEP_MS} b${e.broker}`)).toEqual([
      'payments/2@25 b5',
      'orders/1@10 b3',
      'orders/4@10 b3',
    ]);
    expect(model.partitions.map((p) => `${p.topic}/${p.partition}`)).toEqual(['payments/2', 'payments/3', 'orders/1', 'orders/4']);
  });
});
