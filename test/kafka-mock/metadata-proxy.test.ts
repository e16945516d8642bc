import { Kafka, logLevel } from 'kafkajs';
import { startMetadataProxy, type MetadataProxy } from './metadata-proxy';
import { startMockCluster, type MockCluster } from './mock-cluster';

describe('test > kafka-mock > metadata proxy', () => {
  let cluster: MockCluster;
  let proxy: MetadataProxy;

  beforeAll(async () => {
    cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 2, replication: 3 }] });
    proxy = await startMetadataProxy(cluster.bootstrap);
  });
  afterAll(async () => {
    await proxy?.stop();
    await cluster?.stop();
  });

  it('rewrites ISR, leader, controller and broker addresses in metadata seen by kafkajs', async () => {
    proxy.setIsr('orders', 1, [2]);
    proxy.setLeader('orders', 0, 3);
    proxy.overrides.controllerId = 2;
    const kafka = new Kafka({ clientId: 'proxy-test', brokers: [proxy.bootstrap[0]], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeCluster();
      expect(described.controller).toBe(2);
      expect(described.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual([...proxy.bootstrap].sort());
      const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
      const parts = [...meta.topics[0].partitions].sort((a, b) => a.partitionId - b.partitionId);
      expect(parts[0].leader).toBe(3);
      expect(parts[1].isr).toEqual([2]);
      expect([...parts[0].isr].sort()).toEqual([1, 2, 3]);
      expect(proxy.metadataResponses()).toBeGreaterThan(0);
    } finally {
      await admin.disconnect();
      proxy.setIsr('orders', 1, undefined);
      proxy.setLeader('orders', 0, undefined);
    }
  });

  it('marks a partition overridden to no leader with LEADER_NOT_AVAILABLE, which kafkajs rejects', async () => {
    proxy.setLeader('orders', 1, -1);
    const kafka = new Kafka({ clientId: 'proxy-test', brokers: [proxy.bootstrap[0]], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect().catch(() => undefined);
    try {
      await expect(admin.fetchTopicMetadata({ topics: ['orders'] })).rejects.toThrow(/leader/i);
    } finally {
      await admin.disconnect();
      proxy.setLeader('orders', 1, undefined);
    }
  });

  it('answers ListGroups, DescribeGroups and DescribeConfigs from the override table', async () => {
    proxy.overrides.controllerId = 1;
    proxy.overrides.groups.set('billing', { members: 2 });
    proxy.overrides.topicConfigs.set('orders', { 'min.insync.replicas': '2' });
    const kafka = new Kafka({ clientId: 'proxy-test', brokers: proxy.bootstrap, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      expect(groups).toEqual([{ groupId: 'billing', protocolType: 'consumer' }]);
      const described = await admin.describeGroups(['billing']);
      expect(described.groups[0].members).toHaveLength(2);
      const configs = await admin.describeConfigs({ resources: [{ type: 2, name: 'orders', configNames: ['min.insync.replicas'] }], includeSynonyms: false });
      expect(configs.resources[0].configEntries).toEqual([expect.objectContaining({ configName: 'min.insync.replicas', configValue: '2' })]);
    } finally {
      await admin.disconnect();
    }
  });

  it('carries a real consumer group commit through the proxy', async () => {
    const kafka = new Kafka({ clientId: 'proxy-test', brokers: proxy.bootstrap, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const admin = kafka.admin();
    await producer.connect();
    await admin.connect();
    try {
      await producer.send({ topic: 'orders', messages: [{ value: 'x', partition: 0 }, { value: 'y', partition: 0 }, { value: 'z', partition: 0 }] });
      await admin.setOffsets({ groupId: 'g1', topic: 'orders', partitions: [{ partition: 0, offset: '1' }] });
      const fetched = await admin.fetchOffsets({ groupId: 'g1', topics: ['orders'] });
      expect(fetched[0].partitions.find((p) => p.partition === 0)?.offset).toBe('1');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
