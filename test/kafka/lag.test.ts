import { execFileSync } from 'node:child_process';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startMetadataProxy, type MetadataProxy } from '../kafka-mock/metadata-proxy';
import { startMockCluster, type MockCluster } from '../kafka-mock/mock-cluster';
import { kafkaConfig, startKafkaHarness, type KafkaHarness } from './harness';

/**
 * Scenario 6 of issue 4: lag of a real kafkajs consumer group that commits offsets. The mock implements
 * no ListGroups/DescribeGroups, so the exporter goes through the metadata proxy, which lists the groups
 * and their member counts; offsets, commits and high watermarks are the mock's own, over TCP.
 */
describe('test > kafka > consumer lag over the wire', () => {
  let cluster: MockCluster;
  let proxy: MetadataProxy;
  let harness: KafkaHarness;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'events', partitions: 2, replication: 3 }] });
    proxy = await startMetadataProxy(cluster.bootstrap);
    kafka = new Kafka({ clientId: 'lag-test', brokers: proxy.bootstrap, logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    harness = await startKafkaHarness(kafkaConfig([proxy.bootstrap[0]], { groupExclude: /^ignored$/ }));
  });

  afterAll(async () => {
    await producer?.disconnect();
    await harness?.close();
    await proxy?.stop();
    await cluster?.stop();
  });

  const messages = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `m${i}`, partition: 0 }));

  it('scenario 6: lag = high watermark - committed offset of a real consumer group; none without a commit', async () => {
    await producer.send({ topic: 'events', acks: -1, messages: messages(10) });
    const consumer = kafka.consumer({ groupId: 'billing', sessionTimeout: 6000, rebalanceTimeout: 3000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'events', fromBeginning: true });
    let seen = 0;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommitThreshold: 1,
        eachMessage: async () => {
          if (++seen === 10) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect(); // commits what was consumed
    proxy.overrides.groups.set('billing', { members: 1 });
    proxy.overrides.groups.set('ignored', { members: 4 });

    await producer.send({ topic: 'events', acks: -1, messages: messages(5) });
    await harness.nextOffsets();
    const m = await harness.scrape();
    const g = 'consumergroup="billing",topic="events"';
    expect(m.get('kafka_topic_partition_current_offset{topic="events",partition="0"}')).toBe(15);
    expect(m.get('kafka_topic_partition_oldest_offset{topic="events",partition="0"}')).toBe(0);
    expect(m.get(`kafka_consumergroup_current_offset{${g},partition="0"}`)).toBe(10);
    expect(m.get(`kafka_consumergroup_lag{${g},partition="0"}`)).toBe(5);
    // Partition 1 never had a message, so nothing was committed: no series rather than -1.
    expect(m.has(`kafka_consumergroup_lag{${g},partition="1"}`)).toBe(false);
    expect(m.has(`kafka_consumergroup_current_offset{${g},partition="1"}`)).toBe(false);
    expect(m.get('kafka_consumergroup_members{consumergroup="billing"}')).toBe(1);
    expect(m.has('kafka_consumergroup_members{consumergroup="ignored"}')).toBe(false);
    expect(m.get('pitower_kafka_consumergroup_lag_clamped_total{consumergroup="billing"}')).toBe(0);
  });

  it('clamps a committed offset above the high watermark to lag 0 and counts it on every poll', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: 'ahead', topic: 'events', partitions: [{ partition: 1, offset: '7' }] });
    } finally {
      await admin.disconnect();
    }
    proxy.overrides.groups.set('ahead', { members: 0, state: 'Empty' });
    await harness.nextOffsets();
    const first = await harness.scrape();
    const g = 'consumergroup="ahead",topic="events",partition="1"';
    expect(first.get(`kafka_consumergroup_current_offset{${g}}`)).toBe(7);
    expect(first.get(`kafka_consumergroup_lag{${g}}`)).toBe(0);
    const clamped = first.get('pitower_kafka_consumergroup_lag_clamped_total{consumergroup="ahead"}') as number;
    expect(clamped).toBeGreaterThanOrEqual(1);
    await harness.nextOffsets();
    const later = await harness.scrape();
    expect((later.get('pitower_kafka_consumergroup_lag_clamped_total{consumergroup="ahead"}') as number) - clamped).toBeGreaterThanOrEqual(2);
    expect([...later.entries()].filter(([k, v]) => k.startsWith('kafka_consumergroup_lag{') && v < 0)).toEqual([]);
  });

  it('scenario 7: promtool check metrics is clean with groups, offsets and lag present', async () => {
    const { text } = await harness.scrapeText();
    expect(text).toContain('kafka_consumergroup_lag{consumergroup="billing",topic="events",partition="0"} 5');
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
  });
});
