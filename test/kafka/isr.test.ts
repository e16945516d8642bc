import { startMetadataProxy, type MetadataProxy } from '../kafka-mock/metadata-proxy';
import { startMockCluster, type MockCluster } from '../kafka-mock/mock-cluster';
import { kafkaConfig, startKafkaHarness, type KafkaHarness } from './harness';

/**
 * Scenario 2 of issue 4. librdkafka's mock keeps ISR = replicas, so the exporter talks to the metadata
 * proxy in front of the mock (kafkajs still over TCP): the proxy shrinks the ISR in Metadata responses and
 * serves min.insync.replicas=2 for "payments" through DescribeConfigs ("audit" has no config: default 1).
 */
describe('test > kafka > ISR shrink and expand over the wire', () => {
  let cluster: MockCluster;
  let proxy: MetadataProxy;
  let harness: KafkaHarness;
  let replicas: number[];

  const tp = (p: number, topic = 'payments'): string => `topic="${topic}",partition="${p}"`;

  beforeAll(async () => {
    cluster = await startMockCluster({
      brokers: 3,
      topics: [
        { name: 'payments', partitions: 2, replication: 3 },
        { name: 'audit', partitions: 1, replication: 3 },
      ],
    });
    proxy = await startMetadataProxy(cluster.bootstrap);
    proxy.overrides.controllerId = 1;
    proxy.overrides.topicConfigs.set('payments', { 'min.insync.replicas': '2' });
    harness = await startKafkaHarness(kafkaConfig([proxy.bootstrap[0]]));
    await harness.nextOffsets();
    await harness.nextMetadata();
    const m = await harness.scrape();
    replicas = [1, 2, 3].filter((id) => m.has(`pitower_kafka_partition_replica_preferred{${tp(0)},broker="${id}"}`));
  });

  afterAll(async () => {
    await harness?.close();
    await proxy?.stop();
    await cluster?.stop();
  });

  it('starts fully in sync, with the controller and addresses of the proxies', async () => {
    const m = await harness.scrape();
    expect(replicas).toHaveLength(3);
    expect(m.get('pitower_kafka_controller_id')).toBe(1);
    expect(m.get(`kafka_broker_info{id="2",address="${proxy.bootstrap[1]}"}`)).toBe(1);
    expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(0)}}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_under_min_isr{${tp(0)}}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_isr_shrinks_total{${tp(0)}}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_isr_expands_total{${tp(0)}}`)).toBe(0);
    expect([...m.keys()].filter((k) => k.startsWith('pitower_kafka_poll_errors_total{kind="configs"'))).toEqual([]);
  });

  it('scenario 2: shrink counts +1, under-replicated 1, under-min-ISR only below min.insync.replicas; expand counts +1', async () => {
    const leader = (await harness.scrape()).get(`kafka_topic_partition_leader{${tp(0)}}`) as number;
    const followers = replicas.filter((id) => id !== leader);

    // 3 -> 2 in sync: under-replicated, not under min ISR (2).
    proxy.setIsr('payments', 0, [leader, followers[0]]);
    proxy.setIsr('audit', 0, [leader, followers[0]]);
    await harness.nextMetadata();
    let m = await harness.scrape();
    expect(m.get(`pitower_kafka_partition_isr_shrinks_total{${tp(0)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_isr_expands_total{${tp(0)}}`)).toBe(0);
    expect(m.get(`kafka_topic_partition_in_sync_replica{${tp(0)}}`)).toBe(2);
    expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(0)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_under_min_isr{${tp(0)}}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_replica_in_sync{${tp(0)},broker="${followers[1]}"}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_replica_in_sync{${tp(0)},broker="${followers[0]}"}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_isr_shrinks_total{${tp(1)}}`)).toBe(0);
    expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(1)}}`)).toBe(0);

    // 2 -> 1 in sync: a second shrink; now below payments' min.insync.replicas=2 but not audit's default 1.
    proxy.setIsr('payments', 0, [leader]);
    proxy.setIsr('audit', 0, [leader]);
    await harness.nextMetadata();
    m = await harness.scrape();
    expect(m.get(`pitower_kafka_partition_isr_shrinks_total{${tp(0)}}`)).toBe(2);
    expect(m.get(`pitower_kafka_partition_under_min_isr{${tp(0)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_under_min_isr{${tp(0, 'audit')}}`)).toBe(0);
    expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(0, 'audit')}}`)).toBe(1);

    // Back to 3: one expand, nothing under-replicated.
    proxy.setIsr('payments', 0, undefined);
    proxy.setIsr('audit', 0, undefined);
    await harness.nextMetadata();
    m = await harness.scrape();
    expect(m.get(`pitower_kafka_partition_isr_shrinks_total{${tp(0)}}`)).toBe(2);
    expect(m.get(`pitower_kafka_partition_isr_expands_total{${tp(0)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_isr_expands_total{${tp(0, 'audit')}}`)).toBe(1);
    expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(0)}}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_under_min_isr{${tp(0)}}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(0)}}`)).toBe(0);
  });

  it('keeps polling through LEADER_NOT_AVAILABLE (a real broker on an offline partition): offline 1, up 1', async () => {
    proxy.setLeader('payments', 1, -1);
    try {
      await harness.nextMetadata();
      const m = await harness.scrape();
      expect(m.get('pitower_kafka_up')).toBe(1);
      expect(m.get(`pitower_kafka_partition_offline{${tp(1)}}`)).toBe(1);
      expect(m.get(`kafka_topic_partition_leader{${tp(1)}}`)).toBe(-1);
      expect(m.get(`pitower_kafka_partition_offline{${tp(0)}}`)).toBe(0);
      expect(m.get(`kafka_topic_partitions{topic="audit"}`)).toBe(1);
    } finally {
      proxy.setLeader('payments', 1, undefined);
    }
  });

  it('counts a topic-level metadata error per topic and keeps the other topics', async () => {
    await cluster.command('topicerror audit 29');
    try {
      await harness.nextMetadata();
      const m = await harness.scrape();
      expect(m.get('pitower_kafka_up')).toBe(1);
      expect(m.has('kafka_topic_partitions{topic="audit"}')).toBe(false);
      expect(m.get('kafka_topic_partitions{topic="payments"}')).toBe(2);
      expect(m.get('pitower_kafka_poll_errors_total{kind="topic",reason="TOPIC_AUTHORIZATION_FAILED"}')).toBeGreaterThanOrEqual(2);
    } finally {
      await cluster.command('topicerror audit 0');
    }
    await harness.nextMetadata();
    expect((await harness.scrape()).get('kafka_topic_partitions{topic="audit"}')).toBe(1);
  });

  it('falls back to --kafka.min-isr-default when topic configs cannot be read', async () => {
    // Straight to the mock: controller id 0 names no broker, so DescribeConfigs cannot be sent.
    const other = await startKafkaHarness(kafkaConfig([cluster.bootstrap[0]], { minIsrDefault: 4 }));
    try {
      await other.nextOffsets();
      await other.nextMetadata();
      const m = await other.scrape();
      expect(m.get(`kafka_topic_partition_in_sync_replica{${tp(0)}}`)).toBe(3);
      expect(m.get(`pitower_kafka_partition_under_min_isr{${tp(0)}}`)).toBe(1);
      expect([...m.keys()].some((k) => k.startsWith('pitower_kafka_poll_errors_total{kind="configs"'))).toBe(true);
    } finally {
      await other.close();
    }
  });
});
