import { DEFAULT_OPTIONS, Series } from '../types';
import { toSeries } from './frames';
import { createKafkaExporterFrames, createReplicaFrames, planCluster, SCREENSHOT_CLUSTER } from './fixtures';
import { NO_PARTITION_SERIES_NOTICE, NO_REPLICA_SERIES_NOTICE, toLeadershipViewModel } from './to-leadership-view-model';

const m = (name: string, labels: Record<string, string>, value: number | null): Series => ({
  refId: 'A',
  labels: { __name__: name, ...labels },
  times: [0],
  values: [value],
});
const replica = (topic: string, partition: number, broker: number, inSync: number, leader: number, preferred: number) => {
  const l = { topic, partition: String(partition), broker: String(broker) };
  return [
    m('pitower_kafka_partition_replica_in_sync', l, inSync),
    m('pitower_kafka_partition_replica_leader', l, leader),
    m('pitower_kafka_partition_replica_preferred', l, preferred),
  ];
};
const up = (broker: number, value = 1) => m('pitower_kafka_broker_up', { broker: String(broker), address: `pi${broker}:9092` }, value);
const vm = (series: Series[], topicFilter = '') => toLeadershipViewModel(series, { ...DEFAULT_OPTIONS, topicFilter });
const cellsOf = (series: Series[]) => vm(series).topics.flatMap((t) => t.partitions.map((p) => p.cells));

describe('data > to-leadership-view-model', () => {
  test.each<[string, Series[], string[]]>([
    ['preferred leader, all in sync', [...replica('t', 0, 1, 1, 1, 1), ...replica('t', 0, 2, 1, 0, 0), ...replica('t', 0, 3, 1, 0, 0)], ['leader-preferred', 'in-sync', 'in-sync']],
    ['leader not preferred, one out of sync', [...replica('t', 0, 1, 1, 0, 1), ...replica('t', 0, 2, 1, 1, 0), ...replica('t', 0, 3, 0, 0, 0)], ['in-sync', 'leader', 'out-of-sync']],
    ['offline partition', [...replica('t', 0, 1, 0, 0, 1), ...replica('t', 0, 2, 0, 0, 0), m('pitower_kafka_partition_offline', { topic: 't', partition: '0' }, 1)], ['offline', 'offline', 'none']],
    ['leader -1 from kafka_exporter marks offline', [...replica('t', 0, 1, 1, 0, 1), ...replica('t', 0, 2, 1, 0, 0), m('kafka_topic_partition_leader', { topic: 't', partition: '0' }, -1)], ['offline', 'offline', 'none']],
    ['replica only seen in the preferred series', [...replica('t', 0, 1, 1, 1, 1), m('pitower_kafka_partition_replica_preferred', { topic: 't', partition: '0', broker: '2' }, 0)], ['leader-preferred', 'unknown', 'none']],
    ['missing values (null) are ignored', [...replica('t', 0, 1, 1, 1, 1), m('pitower_kafka_partition_replica_in_sync', { topic: 't', partition: '0', broker: '2' }, null)], ['leader-preferred', 'none', 'none']],
  ])('cells: %s', (_name, series, expected) => {
    expect(cellsOf([up(1), up(2), up(3), ...series])).toEqual([expected]);
  });

  test('rows: leader, counts, flags', () => {
    const model = vm([up(1), up(2), up(3), ...replica('t', 0, 1, 1, 0, 1), ...replica('t', 0, 2, 1, 1, 0), ...replica('t', 0, 3, 0, 0, 0)]);
    expect(model.mode).toBe('replicas');
    expect(model.topics[0].partitions[0]).toEqual({
      topic: 't',
      partition: 0,
      leader: '2',
      offline: false,
      underReplicated: true,
      preferredLeader: false,
      replicas: 3,
      inSync: 2,
      cells: ['in-sync', 'leader', 'out-of-sync'],
    });
    expect(model.totals).toEqual({ partitions: 1, offline: 0, underReplicated: 1, notPreferred: 1 });
    expect(model.warnings).toEqual([]);
    expect(model.notice).toBeUndefined();
  });

  test('broker headers: led count, replicas, skew against the even share, up/down', () => {
    const series = [
      up(1),
      up(2),
      up(3, 0),
      ...replica('t', 0, 1, 1, 1, 1),
      ...replica('t', 1, 1, 1, 1, 1),
      ...replica('t', 2, 1, 1, 1, 1),
      ...replica('t', 2, 2, 1, 0, 0),
    ];
    expect(vm(series).brokers).toEqual([
      { id: '1', address: 'pi1:9092', up: true, known: true, led: 3, replicas: 3, skewPercent: 200 },
      { id: '2', address: 'pi2:9092', up: true, known: true, led: 0, replicas: 1, skewPercent: -100 },
      { id: '3', address: 'pi3:9092', up: false, known: true, led: 0, replicas: 0, skewPercent: -100 },
    ]);
  });

  test('unknown brokers get a column marked unknown and a warning', () => {
    const model = vm([up(1), ...replica('t', 0, 1, 1, 1, 1), ...replica('t', 0, 7, 1, 0, 0)]);
    expect(model.brokers.map((b) => [b.id, b.known])).toEqual([
      ['1', true],
      ['7', false],
    ]);
    expect(model.warnings).toEqual(['replicas on broker 7 that no broker series lists']);
  });

  test('without any broker series every broker counts as known', () => {
    const model = vm([...replica('t', 0, 1, 1, 1, 1), ...replica('t', 0, 2, 1, 0, 0)]);
    expect(model.brokers.map((b) => b.known)).toEqual([true, true]);
    expect(model.warnings).toEqual([]);
  });

  test('two exporters reporting one series at once: the later one is shown, and the overlap reported once', () => {
    const series = [up(1), up(2), ...replica('t', 0, 1, 1, 1, 1), ...replica('t', 0, 2, 0, 0, 0), ...replica('t', 0, 2, 1, 0, 0)];
    const model = vm(series);
    expect(model.topics[0].partitions[0].cells).toEqual(['leader-preferred', 'in-sync']);
    expect(model.warnings).toEqual(['3 series reported by two exporters at once (one run with --kafka.reporter=always?)']);
  });

  test("after a hand-over of the reporter lease the new reporter's values are shown, with no warning", () => {
    const at = (s: Series, instance: string, times: number[], values: Array<number | null>): Series => ({ ...s, labels: { ...s.labels, instance }, times, values });
    // broker 2 drops out of the ISR after pi-a handed reporting to pi-b (pi-a's last samples say in sync)
    const old = replica('t', 0, 2, 1, 0, 0).map((s) => at(s, 'pi-a', [0, 1], [s.values[0], s.values[0]]));
    const now = replica('t', 0, 2, 0, 0, 0).map((s) => at(s, 'pi-b', [2, 3], [s.values[0], s.values[0]]));
    const leader = replica('t', 0, 1, 1, 1, 1).map((s) => at(s, 'pi-b', [2, 3], [s.values[0], s.values[0]]));
    const model = vm([up(1), up(2), ...old, ...now, ...leader]);
    expect(model.topics[0].partitions[0].cells).toEqual(['leader-preferred', 'out-of-sync']);
    expect(model.warnings).toEqual([]);
  });

  test('two leaders for one partition are reported', () => {
    const model = vm([...replica('t', 0, 1, 1, 1, 1), ...replica('t', 0, 2, 1, 1, 0)]);
    expect(model.topics[0].partitions[0].leader).toBe('1');
    expect(model.warnings).toEqual(['1 partition reported with more than one leader']);
  });

  test('topic filter keeps matching topics; an invalid one is reported and ignored', () => {
    const series = [...replica('orders', 0, 1, 1, 1, 1), ...replica('logs', 0, 1, 1, 1, 1)];
    expect(vm(series, '^ord').topics.map((t) => t.topic)).toEqual(['orders']);
    const bad = vm(series, '(');
    expect(bad.topics.map((t) => t.topic)).toEqual(['logs', 'orders']);
    expect(bad.warnings).toEqual(['topic filter /(/ is not a valid regular expression; showing every topic']);
  });

  test('sorting: topics by name, partitions and brokers numerically', () => {
    const model = vm([...replica('b', 10, 10, 1, 1, 1), ...replica('b', 2, 2, 1, 1, 1), ...replica('a', 0, 1, 1, 1, 1)]);
    expect(model.topics.map((t) => [t.topic, t.partitions.map((p) => p.partition)])).toEqual([
      ['a', [0]],
      ['b', [2, 10]],
    ]);
    expect(model.brokers.map((b) => b.id)).toEqual(['1', '2', '10']);
  });

  test('empty: no partition series at all', () => {
    const model = vm([up(1), m('something_else', {}, 1)]);
    expect(model).toMatchObject({ mode: 'empty', topics: [], brokers: [], notice: NO_PARTITION_SERIES_NOTICE });
  });

  test('counts mode from kafka_exporter metrics only', () => {
    const series = [
      m('kafka_broker_info', { id: '1', address: 'a:9092' }, 1),
      m('kafka_broker_info', { id: '2', address: 'b:9092' }, 1),
      m('kafka_topic_partition_leader', { topic: 't', partition: '0' }, 2),
      m('kafka_topic_partition_replicas', { topic: 't', partition: '0' }, 2),
      m('kafka_topic_partition_in_sync_replica', { topic: 't', partition: '0' }, 1),
      m('kafka_topic_partition_leader_is_preferred', { topic: 't', partition: '0' }, 0),
      m('kafka_topic_partition_leader', { topic: 't', partition: '1' }, -1),
      m('kafka_topic_partition_replicas', { topic: 't', partition: '1' }, 2),
    ];
    const model = vm(series);
    expect(model.mode).toBe('counts');
    expect(model.notice).toBe(NO_REPLICA_SERIES_NOTICE);
    expect(model.topics[0].partitions).toEqual([
      { topic: 't', partition: 0, leader: '2', offline: false, underReplicated: true, preferredLeader: false, replicas: 2, inSync: 1, cells: ['none', 'leader'] },
      { topic: 't', partition: 1, leader: '-1', offline: true, underReplicated: true, preferredLeader: undefined, replicas: 2, inSync: 0, cells: ['none', 'none'] },
    ]);
    expect(model.brokers.map((b) => [b.id, b.led])).toEqual([
      ['1', 0],
      ['2', 1],
    ]);
  });

  test('probe: each broker column gets its probe cell, brokers without probe series none', () => {
    const bucket = (broker: number, le: string, n: number): Series => ({ refId: 'pitower_probe_end_to_end_latency_seconds_bucket', labels: { broker: String(broker), le }, times: [0], values: [n] });
    const model = vm([
      up(1),
      up(2),
      up(3),
      ...replica('t', 0, 1, 1, 1, 1),
      ...replica('t', 0, 2, 1, 0, 0),
      bucket(1, '0.01', 50),
      bucket(1, '0.05', 99),
      bucket(1, '+Inf', 100),
      m('pitower_probe_records_lost_total', { broker: '2' }, 1),
      m('pitower_probe_records_failed_total', { broker: '9' }, 4),
    ]);
    expect(model.probe).toBe(true);
    expect(model.brokers.map((b) => [b.id, b.probe?.p99Seconds, b.probe?.lost, b.probe?.level])).toEqual([
      ['1', 0.05, 0, 'ok'],
      ['2', undefined, 1, 'critical'],
      ['3', undefined, undefined, undefined],
    ]);
    expect(model.warnings).toEqual(['probe series for broker 9, which the grid has no column for']);
  });

  test('probe: without probe series there is no probe row', () => {
    const model = vm([up(1), ...replica('t', 0, 1, 1, 1, 1)]);
    expect(model.probe).toBe(false);
    expect(model.brokers[0].probe).toBeUndefined();
  });

  test('fixture cluster: both metric sets agree on leaders and offline partitions', () => {
    const plan = planCluster(SCREENSHOT_CLUSTER);
    const replicas = vm(toSeries(createReplicaFrames(SCREENSHOT_CLUSTER)));
    const counts = vm(toSeries(createKafkaExporterFrames(SCREENSHOT_CLUSTER)));
    const leaders = (model: typeof replicas) => model.topics.flatMap((t) => t.partitions.map((p) => `${p.topic}/${p.partition}=${p.leader}`));
    expect(leaders(replicas)).toEqual(leaders(counts));
    expect(replicas.totals).toEqual(counts.totals);
    expect(replicas.totals.partitions).toBe(plan.length);
    expect(replicas.totals.offline).toBe(1);
    expect(replicas.brokers.map((b) => b.led)).toEqual(counts.brokers.map((b) => b.led));
  });
});
