import { execFileSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { startMockCluster, type MockCluster } from '../kafka-mock/mock-cluster';
import { kafkaConfig, startKafkaHarness, type KafkaHarness } from './harness';

/** Scenarios 1, 3, 4 and 7 of issue 4 against librdkafka's mock cluster (3 brokers), kafkajs over TCP. */
describe('test > kafka > leadership over the wire', () => {
  let cluster: MockCluster;
  let harness: KafkaHarness;
  /** Assignment of orders/0..2 as the mock made it; replicas[p][0] is the preferred leader. */
  let replicas: number[][];

  const tp = (p: number): string => `topic="orders",partition="${p}"`;

  beforeAll(async () => {
    cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3, replication: 3 }] });
    const kafka = new Kafka({ brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
      replicas = [...meta.topics[0].partitions].sort((a, b) => a.partitionId - b.partitionId).map((p) => p.replicas);
    } finally {
      await admin.disconnect();
    }
    // Every partition starts on its preferred leader.
    for (const [p, r] of replicas.entries()) await cluster.command(`leader orders ${p} ${r[0]}`);
    harness = await startKafkaHarness(kafkaConfig(cluster.bootstrap));
    await harness.nextMetadata();
  });

  afterAll(async () => {
    await harness?.close();
    await cluster?.stop();
  });

  it('starts with every partition on its preferred leader', async () => {
    const m = await harness.scrape();
    expect(m.get('pitower_kafka_up')).toBe(1);
    expect(m.get('kafka_brokers')).toBe(3);
    expect(m.get('pitower_kafka_controller_id')).toBe(0);
    expect(m.get('kafka_topic_partitions{topic="orders"}')).toBe(3);
    for (const [p, r] of replicas.entries()) {
      expect(m.get(`kafka_topic_partition_leader{${tp(p)}}`)).toBe(r[0]);
      expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(p)}}`)).toBe(1);
      expect(m.get(`kafka_topic_partition_replicas{${tp(p)}}`)).toBe(3);
      expect(m.get(`kafka_topic_partition_in_sync_replica{${tp(p)}}`)).toBe(3);
      expect(m.get(`pitower_kafka_partition_replica_preferred{${tp(p)},broker="${r[0]}"}`)).toBe(1);
      expect(m.get(`pitower_kafka_partition_replica_preferred{${tp(p)},broker="${r[1]}"}`)).toBe(0);
      expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(p)}}`)).toBe(0);
    }
    for (const id of [1, 2, 3]) {
      expect(m.get(`kafka_broker_info{id="${id}",address="${cluster.bootstrap[id - 1]}"}`)).toBe(1);
      expect(m.get(`pitower_kafka_broker_up{broker="${id}",address="${cluster.bootstrap[id - 1]}"}`)).toBe(1);
      expect(m.get(`pitower_kafka_broker_preferred_not_leader_partitions{broker="${id}"}`)).toBe(0);
    }
  });

  it('scenario 1: leader failover updates the leader, counts one change and moves the per-broker counts', async () => {
    const [preferred, next] = replicas[0];
    await cluster.command(`leader orders 0 ${next}`);
    await harness.nextMetadata();
    const m = await harness.scrape();
    expect(m.get(`kafka_topic_partition_leader{${tp(0)}}`)).toBe(next);
    expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(0)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(1)}}`)).toBe(0);
    expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(0)}}`)).toBe(0);
    expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(1)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_replica_leader{${tp(0)},broker="${next}"}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_replica_leader{${tp(0)},broker="${preferred}"}`)).toBe(0);
    const leaders = [next, replicas[1][0], replicas[2][0]];
    for (const id of [1, 2, 3]) {
      expect(m.get(`pitower_kafka_broker_partitions_led{broker="${id}"}`)).toBe(leaders.filter((l) => l === id).length);
      expect(m.get(`pitower_kafka_broker_preferred_not_leader_partitions{broker="${id}"}`)).toBe(id === preferred ? 1 : 0);
    }
    expect(m.get(`pitower_kafka_partition_offline{${tp(0)}}`)).toBe(0);

    await cluster.command(`leader orders 0 ${preferred}`);
    await harness.nextMetadata();
    const back = await harness.scrape();
    expect(back.get(`pitower_kafka_partition_leader_changes_total{${tp(0)}}`)).toBe(2);
    expect(back.get(`kafka_topic_partition_leader_is_preferred{${tp(0)}}`)).toBe(1);
    expect(back.get(`pitower_kafka_broker_preferred_not_leader_partitions{broker="${preferred}"}`)).toBe(0);
  });

  it('scenario 3: a partition without leader is offline, its leader series is -1 and no replica leads', async () => {
    await cluster.command('leader orders 2 -1');
    await harness.nextMetadata();
    const m = await harness.scrape();
    expect(m.get(`pitower_kafka_partition_offline{${tp(2)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_offline{${tp(1)}}`)).toBe(0);
    expect(m.get(`kafka_topic_partition_leader{${tp(2)}}`)).toBe(-1);
    expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(2)}}`)).toBe(0);
    for (const id of replicas[2]) expect(m.get(`pitower_kafka_partition_replica_leader{${tp(2)},broker="${id}"}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(2)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_broker_preferred_not_leader_partitions{broker="${replicas[2][0]}"}`)).toBe(1);
    const leaders = [replicas[0][0], replicas[1][0]];
    for (const id of [1, 2, 3]) expect(m.get(`pitower_kafka_broker_partitions_led{broker="${id}"}`)).toBe(leaders.filter((l) => l === id).length);
    // kafkajs fails a topic's offsets when one partition has no leader: the healthy partitions keep theirs.
    await harness.nextOffsets();
    const offsets = await harness.scrape();
    for (const p of [0, 1, 2]) expect(offsets.get(`kafka_topic_partition_current_offset{${tp(p)}}`)).toBe(0);
    expect(offsets.get('pitower_kafka_poll_errors_total{kind="offsets",reason="KafkaJSBrokerNotFound"}')).toBeGreaterThan(0);

    await cluster.command(`leader orders 2 ${replicas[2][0]}`);
    await harness.nextMetadata();
    const back = await harness.scrape();
    expect(back.get(`pitower_kafka_partition_offline{${tp(2)}}`)).toBe(0);
    expect(back.get(`pitower_kafka_partition_leader_changes_total{${tp(2)}}`)).toBe(2);
  });

  it('scenario 4: a broker down is unreachable while the other partitions stay as they were', async () => {
    const down = replicas[1][0];
    const before = await harness.scrape();
    await cluster.command(`down ${down}`);
    try {
      await harness.nextMetadata();
      const m = await harness.scrape();
      for (const id of [1, 2, 3]) {
        expect(m.get(`pitower_kafka_broker_up{broker="${id}",address="${cluster.bootstrap[id - 1]}"}`)).toBe(id === down ? 0 : 1);
      }
      expect(m.get('pitower_kafka_up')).toBe(1);
      expect(m.get('kafka_brokers')).toBe(3);
      for (const p of [0, 1, 2]) {
        expect(m.get(`kafka_topic_partition_leader{${tp(p)}}`)).toBe(before.get(`kafka_topic_partition_leader{${tp(p)}}`));
        expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(p)}}`)).toBe(before.get(`pitower_kafka_partition_leader_changes_total{${tp(p)}}`));
        expect(m.get(`pitower_kafka_partition_offline{${tp(p)}}`)).toBe(0);
      }
      expect((m.get('pitower_kafka_poll_errors_total{kind="broker",reason="unreachable"}') ?? 0) >= 1).toBe(true);
    } finally {
      await cluster.command(`up ${down}`);
    }
    await harness.nextMetadata();
    const m = await harness.scrape();
    expect(m.get(`pitower_kafka_broker_up{broker="${down}",address="${cluster.bootstrap[down - 1]}"}`)).toBe(1);
  });

  it('scenario 7: promtool check metrics is clean on the whole /metrics output', async () => {
    await harness.nextOffsets();
    const { text } = await harness.scrapeText();
    expect(text).toContain('kafka_topic_partition_current_offset{topic="orders",partition="0"} 0');
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
  });
});
