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

  test('counter increases are the events: +1 at the 3rd sample, reset, +2 at the 6th', () => {
    const model = vm([m('pitower_kafka_partition_isr_shrinks_total', p0, [4, 4, 5, 5, 0, 2])]);
    expect(model.mode).toBe('counters');
    expect(model.brokersKnown).toBe(false);
    expect(model.events).toEqual([
      { time: 5000, topic: 't', partition: 0, kind: 'shrink', count: 2, brokers: [] },
      { time: 2000, topic: 't', partition: 0, kind: 'shrink', count: 1, brokers: [] },
    ]);
    expect(model.buckets.map((b) => b.shrinks)).toEqual([0, 0, 1, 0, 0, 2]);
    expect(model.totals).toEqual({ shrinks: 3, expands: 0, leaderChanges: 0, maxUnderReplicated: 0, maxOffline: 0 });
  });

  test('shrinks, expands and leader changes: one event kind per counter, counted in buckets and partitions', () => {
    const model = vm([
      m('pitower_kafka_partition_isr_shrinks_total', p0, [0, 0, 2, 2]),
      m('pitower_kafka_partition_isr_expands_total', p0, [0, 0, 0, 1]),
      m('pitower_kafka_partition_leader_changes_total', p0, [0, 1, 1, 3]),
    ]);
    expect(model.buckets.map((b) => [b.shrinks, b.expands, b.leaderChanges])).toEqual([[0, 0, 0], [0, 0, 1], [2, 0, 0], [0, 1, 2]]);
    expect(model.events).toEqual([
      { time: 3000, topic: 't', partition: 0, kind: 'expand', count: 1, brokers: [] },
      { time: 3000, topic: 't', partition: 0, kind: 'leader-change', count: 2, brokers: [] },
      { time: 2000, topic: 't', partition: 0, kind: 'shrink', count: 2, brokers: [] },
      { time: 1000, topic: 't', partition: 0, kind: 'leader-change', count: 1, brokers: [] },
    ]);
    expect(model.partitions).toEqual([
      { topic: 't', partition: 0, shrinks: 2, expands: 1, leaderChanges: 3, underReplicatedSeconds: 0, offlineSeconds: 0, firstTime: 1000, lastTime: 3000, brokers: [] },
    ]);
    expect(model.totals).toEqual({ shrinks: 2, expands: 1, leaderChanges: 3, maxUnderReplicated: 0, maxOffline: 0 });
    expect(model.warnings).toEqual([]);
  });

  test('a shrink names the brokers out of the ISR at its sample; the replica level makes no event itself', () => {
    const model = vm([
      m('pitower_kafka_partition_isr_shrinks_total', p0, [0, 0, 1, 1, 1]),
      m('pitower_kafka_partition_isr_expands_total', p0, [0, 0, 0, 0, 0]),
      m('pitower_kafka_partition_leader_changes_total', p0, [0, 0, 0, 0, 0]),
      m('pitower_kafka_partition_replica_in_sync', { ...p0, broker: '3' }, [1, 1, 0, 0, 1]),
      m('pitower_kafka_partition_replica_in_sync', { ...p0, broker: '1' }, [1, 1, 1, 1, 1]),
    ]);
    expect(model.brokersKnown).toBe(true);
    // broker 3 back at the 5th sample, but no expand counted: no expand event
    expect(model.events).toEqual([{ time: 2000, topic: 't', partition: 0, kind: 'shrink', count: 1, brokers: ['3'] }]);
    expect(model.buckets.map((b) => [b.shrinks, b.expands])).toEqual([[0, 0], [0, 0], [1, 0], [0, 0], [0, 0]]);
    expect(model.partitions).toEqual([
      { topic: 't', partition: 0, shrinks: 1, expands: 0, leaderChanges: 0, underReplicatedSeconds: 0, offlineSeconds: 0, firstTime: 2000, lastTime: 3000, brokers: ['3'] },
    ]);
  });

  test('a replica flip with no counter increase yields no event', () => {
    const model = vm([
      m('pitower_kafka_partition_isr_shrinks_total', p0, [5, 5, 5]),
      m('pitower_kafka_partition_isr_expands_total', p0, [5, 5, 5]),
      m('pitower_kafka_partition_leader_changes_total', p0, [0, 0, 0]),
      m('pitower_kafka_partition_replica_in_sync', { ...p0, broker: '2' }, [1, 0, 1]),
    ]);
    expect(model.events).toEqual([]);
    expect(model.totals).toMatchObject({ shrinks: 0, expands: 0, leaderChanges: 0 });
    // the level still says who was out, and when
    expect(model.partitions.map((p) => [p.brokers, p.firstTime, p.lastTime])).toEqual([[['2'], 1000, 1000]]);
  });

  test('without counter series: no events, and a warning per missing counter', () => {
    const model = vm([
      m('pitower_kafka_partition_replica_in_sync', { ...p0, broker: '3' }, [1, 0, 0, 1]),
      m('kafka_topic_partition_under_replicated_partition', p0, [0, 1, 1, 0]),
    ]);
    expect(model.mode).toBe('counters');
    expect(model.events).toEqual([]);
    expect(model.totals).toEqual({ shrinks: 0, expands: 0, leaderChanges: 0, maxUnderReplicated: 1, maxOffline: 0 });
    expect(model.warnings).toEqual([
      'no pitower_kafka_partition_isr_shrinks_total series in the query results: ISR shrinks are not counted',
      'no pitower_kafka_partition_isr_expands_total series in the query results: ISR expands are not counted',
      'no pitower_kafka_partition_leader_changes_total series in the query results: leader changes are not counted',
    ]);
    expect(vm([m('kafka_topic_partition_under_replicated_partition', p0, [0])], '').warnings).toHaveLength(3);
    expect(toIsrViewModel([m('kafka_topic_partition_under_replicated_partition', p0, [0])], { ...DEFAULT_OPTIONS, isrShrinksMetric: '', isrExpandsMetric: ' ', leaderChangesMetric: '' }).warnings).toEqual([]);
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
    expect(model.totals).toEqual({ shrinks: 0, expands: 0, leaderChanges: 0, maxUnderReplicated: 2, maxOffline: 1 });
  });

  test('a hand-over of the reporter lease: levels joined, counters counted per exporter (no jump between their bases)', () => {
    const on = (s: Series, instance: string, times: number[]): Series => ({ ...s, labels: { ...s.labels, instance }, times });
    const model = vm([
      // pi-a counted 1 shrink, then pi-b (whose counter stands at 10 from its own start) counts 2 more
      on(m('pitower_kafka_partition_isr_shrinks_total', p0, [0, 1]), 'pi-a', [0, 1000]),
      on(m('pitower_kafka_partition_isr_shrinks_total', p0, [10, 12]), 'pi-b', [2000, 3000]),
      on(m('pitower_kafka_partition_isr_expands_total', p0, [0, 0]), 'pi-a', [0, 1000]),
      on(m('pitower_kafka_partition_isr_expands_total', p0, [4, 4]), 'pi-b', [2000, 3000]),
      on(m('pitower_kafka_partition_leader_changes_total', p0, [2, 2]), 'pi-a', [0, 1000]),
      on(m('pitower_kafka_partition_leader_changes_total', p0, [7, 8]), 'pi-b', [2000, 3000]),
      on(m('pitower_kafka_partition_replica_in_sync', { ...p0, broker: '2' }, [1, 0]), 'pi-a', [0, 1000]),
      on(m('pitower_kafka_partition_replica_in_sync', { ...p0, broker: '2' }, [0, 0]), 'pi-b', [2000, 3000]),
      on(m('kafka_topic_partition_under_replicated_partition', p0, [0, 1]), 'pi-a', [0, 1000]),
      on(m('kafka_topic_partition_under_replicated_partition', p0, [1, 0]), 'pi-b', [2000, 3000]),
    ]);
    expect(model.totals).toMatchObject({ shrinks: 3, expands: 0, leaderChanges: 1 });
    expect(model.buckets.map((b) => [b.shrinks, b.leaderChanges, b.underReplicated])).toEqual([[0, 0, 0], [1, 0, 1], [0, 0, 1], [2, 1, 0]]);
    // the joined replica level names broker 2 at both shrinks, one from each exporter
    expect(model.events.filter((e) => e.kind === 'shrink').map((e) => [e.time, e.count, e.brokers])).toEqual([[3000, 2, ['2']], [1000, 1, ['2']]]);
    expect(model.warnings).toEqual([]);
  });

  test('duplicated series are ignored and reported', () => {
    const a = m('pitower_kafka_partition_isr_shrinks_total', p0, [0, 1]);
    const model = vm([a, { ...a, refId: 'B' }]);
    expect(model.totals.shrinks).toBe(1);
    expect(model.warnings[0]).toBe('1 duplicated series ignored (are two collectors scraping the same cluster?)');
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
    expect(model.totals).toEqual({ shrinks: 4, expands: 3, leaderChanges: 2, maxUnderReplicated: 2, maxOffline: 1 });
    expect(model.warnings).toEqual([]);
    expect(model.events.map((e) => `${e.kind} ${e.topic}/${e.partition}@${(e.time - T0) / STEP_MS} [${e.brokers}]`)).toEqual([
      'expand payments/3@35 []',
      'leader-change payments/3@35 []',
      'shrink payments/3@30 []',
      'leader-change payments/3@30 []',
      'shrink payments/2@25 [5]',
      'expand orders/1@18 []',
      'expand orders/4@18 []',
      'shrink orders/1@10 [3]',
      'shrink orders/4@10 [3]',
    ]);
    expect(model.partitions.map((p) => `${p.topic}/${p.partition} ${p.shrinks}/${p.expands}/${p.leaderChanges} [${p.brokers}]`)).toEqual([
      'payments/2 1/0/0 [5]',
      'payments/3 1/1/2 []',
      'orders/1 1/1/0 [3]',
      'orders/4 1/1/0 [3]',
    ]);
  });
});
