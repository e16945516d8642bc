import { promtoolProblems } from '../../../test/support/metrics-text';
import { Registry } from 'prom-client';
import { partitionKey } from './diff';
import { KafkaMetrics } from './metrics';
import { escapeLabelValue, renderClusterFamilies, renderOffsetFamilies, withConstantLabels } from './render';
import { toOffsetsSnapshot } from './snapshot';
import { createPartition as p, createSnapshot as snap } from './factories.test-helpers';

function samples(families: ReturnType<typeof renderClusterFamilies>): Record<string, string[]> {
  return Object.fromEntries(families.map((f) => [f.name, f.body === '' ? [] : f.body.split('\n')]));
}

describe('kafka > render', () => {
  it('renders brokers, per-partition and per-replica families and per-broker counts', () => {
    const s = snap([p('t', 0, 2, [1, 2, 3], [2, 3], 3), p('t', 1, -1, [2, 1], [])]);
    const out = samples(renderClusterFamilies(s, new Map([[partitionKey('t', 0), { isrShrinks: 1, isrExpands: 0, leaderChanges: 2 }]])));
    expect(out.kafka_brokers).toEqual(['kafka_brokers 3']);
    expect(out.kafka_broker_info[0]).toBe('kafka_broker_info{id="1",address="127.0.0.1:9091"} 1');
    expect(out.pitower_kafka_broker_up[2]).toBe('pitower_kafka_broker_up{broker="3",address="127.0.0.1:9093"} 1');
    expect(out.kafka_topic_partitions).toEqual(['kafka_topic_partitions{topic="t"} 2']);
    expect(out.kafka_topic_partition_leader).toEqual(['kafka_topic_partition_leader{topic="t",partition="0"} 2', 'kafka_topic_partition_leader{topic="t",partition="1"} -1']);
    expect(out.kafka_topic_partition_leader_is_preferred).toEqual([
      'kafka_topic_partition_leader_is_preferred{topic="t",partition="0"} 0',
      'kafka_topic_partition_leader_is_preferred{topic="t",partition="1"} 0',
    ]);
    expect(out.kafka_topic_partition_under_replicated_partition.map((l) => l.slice(-1))).toEqual(['1', '1']);
    expect(out.pitower_kafka_partition_replica_in_sync).toEqual([
      'pitower_kafka_partition_replica_in_sync{topic="t",partition="0",broker="1"} 0',
      'pitower_kafka_partition_replica_in_sync{topic="t",partition="0",broker="2"} 1',
      'pitower_kafka_partition_replica_in_sync{topic="t",partition="0",broker="3"} 1',
      'pitower_kafka_partition_replica_in_sync{topic="t",partition="1",broker="2"} 0',
      'pitower_kafka_partition_replica_in_sync{topic="t",partition="1",broker="1"} 0',
    ]);
    expect(out.pitower_kafka_partition_replica_leader.map((l) => l.slice(-1))).toEqual(['0', '1', '0', '0', '0']);
    expect(out.pitower_kafka_partition_replica_preferred.map((l) => l.slice(-1))).toEqual(['1', '0', '0', '1', '0']);
    expect(out.pitower_kafka_partition_offline.map((l) => l.slice(-1))).toEqual(['0', '1']);
    expect(out.pitower_kafka_partition_under_min_isr.map((l) => l.slice(-1))).toEqual(['1', '1']);
    expect(out.pitower_kafka_partition_leader_changes_total).toEqual([
      'pitower_kafka_partition_leader_changes_total{topic="t",partition="0"} 2',
      'pitower_kafka_partition_leader_changes_total{topic="t",partition="1"} 0',
    ]);
    expect(out.pitower_kafka_broker_partitions_led).toEqual([
      'pitower_kafka_broker_partitions_led{broker="1"} 0',
      'pitower_kafka_broker_partitions_led{broker="2"} 1',
      'pitower_kafka_broker_partitions_led{broker="3"} 0',
    ]);
    expect(out.pitower_kafka_broker_preferred_not_leader_partitions).toEqual([
      'pitower_kafka_broker_preferred_not_leader_partitions{broker="1"} 1',
      'pitower_kafka_broker_preferred_not_leader_partitions{broker="2"} 1',
      'pitower_kafka_broker_preferred_not_leader_partitions{broker="3"} 0',
    ]);
    expect(out.pitower_kafka_controller_id).toEqual(['pitower_kafka_controller_id 1']);
  });

  it('a broker gone from the metadata but still assigned replicas leads 0 partitions (not no series)', () => {
    const s = snap([p('t', 0, 2, [1, 2, 3], [2, 3]), p('t', 1, 2, [1, 3, 2], [3, 2])]);
    const out = samples(renderClusterFamilies({ ...s, brokers: s.brokers.filter((b) => b.id !== 1) }, new Map()));
    expect(out.kafka_brokers).toEqual(['kafka_brokers 2']);
    expect(out.pitower_kafka_broker_up).toEqual([
      'pitower_kafka_broker_up{broker="2",address="127.0.0.1:9092"} 1',
      'pitower_kafka_broker_up{broker="3",address="127.0.0.1:9093"} 1',
    ]);
    expect(out.pitower_kafka_broker_partitions_led).toEqual([
      'pitower_kafka_broker_partitions_led{broker="1"} 0',
      'pitower_kafka_broker_partitions_led{broker="2"} 2',
      'pitower_kafka_broker_partitions_led{broker="3"} 0',
    ]);
    expect(out.pitower_kafka_broker_preferred_not_leader_partitions[0]).toBe('pitower_kafka_broker_preferred_not_leader_partitions{broker="1"} 2');
  });

  it('a broker seen before and gone from the metadata is probed: broker_up 0, but neither listed nor counted', () => {
    const s = snap([p('t', 0, 2, [1, 2], [2])]);
    const departed = [{ id: 1, host: '127.0.0.1', port: 9091, reachable: false }];
    const out = samples(renderClusterFamilies({ ...s, brokers: s.brokers.filter((b) => b.id !== 1), departedBrokers: departed }, new Map()));
    expect(out.kafka_brokers).toEqual(['kafka_brokers 1']);
    expect(out.kafka_broker_info).toEqual(['kafka_broker_info{id="2",address="127.0.0.1:9092"} 1']);
    expect(out.pitower_kafka_broker_up).toEqual([
      'pitower_kafka_broker_up{broker="1",address="127.0.0.1:9091"} 0',
      'pitower_kafka_broker_up{broker="2",address="127.0.0.1:9092"} 1',
    ]);
  });

  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['a\\b', 'a\\\\b'],
    ['a\nb', 'a\\nb'],
  ])('escapes label value %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  it('renders offsets, lag and clamp counters; no lag series without a high watermark', () => {
    const o = toOffsetsSnapshot([{ topic: 't', partition: 0, high: 7, low: 1 }], [{ id: 'g"1', members: 3, topics: [{ topic: 't', partitions: [{ partition: 0, offset: '5' }, { partition: 9, offset: '2' }] }] }], 1);
    const out = samples(renderOffsetFamilies(o, new Map([['g"1', 4]])));
    expect(out.kafka_topic_partition_current_offset).toEqual(['kafka_topic_partition_current_offset{topic="t",partition="0"} 7']);
    expect(out.kafka_topic_partition_oldest_offset).toEqual(['kafka_topic_partition_oldest_offset{topic="t",partition="0"} 1']);
    expect(out.kafka_consumergroup_lag).toEqual(['kafka_consumergroup_lag{consumergroup="g\\"1",topic="t",partition="0"} 2']);
    expect(out.kafka_consumergroup_current_offset).toHaveLength(2);
    expect(out.kafka_consumergroup_members).toEqual(['kafka_consumergroup_members{consumergroup="g\\"1"} 3']);
    expect(out.pitower_kafka_consumergroup_lag_clamped_total).toEqual(['pitower_kafka_consumergroup_lag_clamped_total{consumergroup="g\\"1"} 4']);
  });

  it('sums per group and topic as kafka_exporter: current offsets with the -1 of uncommitted partitions, lag over committed ones', () => {
    const parts = [0, 1, 2].map((partition) => ({ topic: 't', partition, high: 10, low: 0 }));
    const o = toOffsetsSnapshot(
      [...parts, { topic: 'u', partition: 0, high: 3, low: 0 }],
      [
        { id: 'a', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '8' }] }, { topic: 'u', partitions: [{ partition: 0, offset: '1' }] }] },
        { id: 'b', topics: [{ topic: 't', partitions: [{ partition: 2, offset: '10' }] }] },
      ],
      1,
    );
    const out = samples(renderOffsetFamilies(o, new Map()));
    expect(out.kafka_consumergroup_current_offset_sum).toEqual([
      'kafka_consumergroup_current_offset_sum{consumergroup="a",topic="t"} 11', // 4 + 8 + (-1)
      'kafka_consumergroup_current_offset_sum{consumergroup="a",topic="u"} 1',
      'kafka_consumergroup_current_offset_sum{consumergroup="b",topic="t"} 8', // -1 + -1 + 10
    ]);
    expect(out.kafka_consumergroup_lag_sum).toEqual([
      'kafka_consumergroup_lag_sum{consumergroup="a",topic="t"} 8', // 6 + 2, not the -1
      'kafka_consumergroup_lag_sum{consumergroup="a",topic="u"} 2',
      'kafka_consumergroup_lag_sum{consumergroup="b",topic="t"} 0',
    ]);
    expect(out.kafka_consumergroup_lag).toContain('kafka_consumergroup_lag{consumergroup="a",topic="t",partition="2"} -1');
  });

  it('puts --kafka.labels first in every sample, with and without labels of its own, and on the poll gauges', () => {
    const families = [
      { name: 'kafka_brokers', help: 'h', type: 'gauge' as const, body: 'kafka_brokers 3' },
      { name: 'kafka_broker_info', help: 'h', type: 'gauge' as const, body: 'kafka_broker_info{id="1",address="a b:9092"} 1\nkafka_broker_info{id="2",address="c:9092"} 1' },
      { name: 'kafka_topic_partitions', help: 'h', type: 'gauge' as const, body: '' },
    ];
    expect(withConstantLabels(families, [['cluster', 'lab "1"'], ['site', 'shed']]).map((f) => f.body)).toEqual([
      'kafka_brokers{cluster="lab \\"1\\"",site="shed"} 3',
      'kafka_broker_info{cluster="lab \\"1\\"",site="shed",id="1",address="a b:9092"} 1\nkafka_broker_info{cluster="lab \\"1\\"",site="shed",id="2",address="c:9092"} 1',
      '',
    ]);
    expect(withConstantLabels(families, [])).toBe(families);
    const registry = new Registry();
    const metrics = new KafkaMetrics(registry, () => 1000, { cluster: 'lab' });
    metrics.onMetadata(snap([p('t', 0, 1, [1])], { takenAt: 900 }));
    metrics.publish();
    const text = metrics.exposition().plain.toString();
    expect(text).toContain('\nkafka_topic_partition_leader{cluster="lab",topic="t",partition="0"} 1\n');
    expect(text).toContain('\nkafka_brokers{cluster="lab"} ');
    return registry.metrics().then((own) => {
      expect(own).toContain('pitower_kafka_up{cluster="lab"} 1');
      expect(own).toContain('pitower_kafka_metadata_age_seconds{cluster="lab"} 0.1');
    });
  });

  it('keeps the served exposition and its generation when a poll renders the same text; a new generation on a change', () => {
    const metrics = new KafkaMetrics(new Registry());
    metrics.onMetadata(snap([p('t', 0, 1, [1, 2])], { takenAt: 8_000 }));
    const first = metrics.exposition();
    metrics.onMetadata(snap([p('t', 0, 1, [1, 2])], { takenAt: 9_000 }));
    expect(metrics.exposition()).toBe(first);
    expect(metrics.latest().takenAt).toBe(9_000);
    metrics.onMetadata(snap([p('t', 0, 2, [1, 2], [2])], { takenAt: 10_000 }));
    expect(metrics.exposition().generation).toBe(first.generation + 1);
    expect(metrics.exposition().plain.toString()).toContain('\nkafka_topic_partition_leader{topic="t",partition="0"} 2\n');
  });

  it('appends to the prom-client registry text unchanged and passes promtool check metrics', async () => {
    const registry = new Registry();
    let now = 10_000;
    const metrics = new KafkaMetrics(registry, () => now);
    metrics.publish();
    const empty = (await registry.metrics()) + metrics.exposition().plain.toString();
    expect(empty).toContain('# TYPE kafka_topic_partition_leader gauge\n');
    expect(empty).toContain('pitower_kafka_up 0\n');
    metrics.onMetadata(snap([p('t', 0, 1, [1, 2])], { takenAt: 8_000 }));
    metrics.onMetadata(snap([p('t', 0, 2, [1, 2], [2])], { takenAt: 9_000 }));
    metrics.onOffsets(toOffsetsSnapshot([{ topic: 't', partition: 0, high: 3, low: 0 }], [{ id: 'g', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '1' }] }] }], 9_500));
    metrics.onError('topic', 'UNKNOWN_TOPIC_OR_PARTITION');
    now = 11_500;
    metrics.publish();
    const text = (await registry.metrics()) + metrics.exposition().plain.toString();
    expect(text).toContain('\nkafka_topic_partition_leader{topic="t",partition="0"} 2\n');
    expect(text).toContain('\npitower_kafka_partition_leader_changes_total{topic="t",partition="0"} 1\n');
    expect(text).toContain('\npitower_kafka_partition_isr_shrinks_total{topic="t",partition="0"} 1\n');
    expect(text).toContain('\nkafka_consumergroup_lag{consumergroup="g",topic="t",partition="0"} 2\n');
    expect(text).toContain('\npitower_kafka_metadata_age_seconds 2.5\n');
    expect(text).toContain('\npitower_kafka_offsets_age_seconds 2\n');
    expect(text).toContain('\npitower_kafka_up 1\n');
    expect(text).toContain('\npitower_kafka_poll_errors_total{kind="topic",reason="UNKNOWN_TOPIC_OR_PARTITION"} 1\n');
    expect(promtoolProblems(text)).toEqual([]);
  });

  it("labels every series with the cluster id once the metadata names it, carrying the exporter's own counts over", async () => {
    const registry = new Registry();
    const metrics = new KafkaMetrics(registry, () => 1000, { constant: [['site', 'shed']] });
    metrics.onError('metadata', 'timeout');
    metrics.onMetadataPatch(true, '2.2.4');
    expect(await registry.metrics()).toContain('pitower_kafka_poll_errors_total{site="shed",kind="metadata",reason="timeout"} 1\n');
    metrics.onMetadata(snap([p('t', 0, 1, [1])], { takenAt: 900, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk' }));
    expect(metrics.clusterLabel()).toBe('MkU3OEVBNTcwNTJENDM2Qk');
    const own = await registry.metrics();
    expect(own).toContain('pitower_kafka_poll_errors_total{cluster="MkU3OEVBNTcwNTJENDM2Qk",site="shed",kind="metadata",reason="timeout"} 1\n');
    expect(own).toContain('pitower_kafka_metadata_patch_ok{cluster="MkU3OEVBNTcwNTJENDM2Qk",site="shed",kafkajs_version="2.2.4"} 1\n');
    expect(own).toContain('pitower_kafka_up{cluster="MkU3OEVBNTcwNTJENDM2Qk",site="shed"} 1\n');
    expect(own).not.toMatch(/pitower_kafka_up\{site/);
    expect(metrics.exposition().plain.toString()).toContain('\nkafka_brokers{cluster="MkU3OEVBNTcwNTJENDM2Qk",site="shed"} 1\n');
    // --kafka.cluster="" : no cluster label whatever the brokers say.
    const none = new KafkaMetrics(new Registry(), () => 1000, { cluster: '' });
    none.onMetadata(snap([p('t', 0, 1, [1])], { clusterId: 'x' }));
    expect(none.exposition().plain.toString()).toContain('\nkafka_brokers 1\n');
  });

  it('a non-reporter keeps every family name and no samples; taking the lease brings them back', async () => {
    const registry = new Registry();
    const metrics = new KafkaMetrics(registry, () => 1000, { cluster: 'lab' });
    metrics.onMetadata(snap([p('t', 0, 1, [1])]));
    metrics.onOffsets(toOffsetsSnapshot([{ topic: 't', partition: 0, high: 3, low: 0 }], [], 1000));
    metrics.setReporting(false);
    const idle = metrics.exposition().plain.toString();
    expect(idle).toContain('# TYPE kafka_topic_partition_leader gauge\n');
    expect(idle).toContain('# TYPE kafka_topic_partition_current_offset gauge\n');
    expect(idle.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([]);
    expect(await registry.metrics()).toContain('pitower_kafka_reporter{cluster="lab"} 0\n');
    expect(await registry.metrics()).toContain('pitower_kafka_up{cluster="lab"} 1\n'); // its own view of the cluster stays
    metrics.setReporting(true);
    expect(metrics.exposition().plain.toString()).toContain('\nkafka_topic_partition_current_offset{cluster="lab",topic="t",partition="0"} 3\n');
    expect(await registry.metrics()).toContain('pitower_kafka_reporter{cluster="lab"} 1\n');
  });
});
