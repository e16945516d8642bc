import { Kafka, logLevel } from 'kafkajs';
import { startMockCluster, type MockCluster } from './mock-cluster';

describe('test > kafka-mock > mock cluster', () => {
  let cluster: MockCluster;

  beforeAll(async () => {
    cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3, replication: 3 }] });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('serves metadata and produce to kafkajs over TCP, and follows leader commands', async () => {
    expect(cluster.bootstrap).toHaveLength(3);
    const kafka = new Kafka({ clientId: 'mock-test', brokers: cluster.bootstrap, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await admin.connect();
    await producer.connect();
    try {
      const sent = await producer.send({ topic: 'orders', acks: -1, messages: [{ value: 'a', partition: 1 }, { value: 'b', partition: 1 }] });
      expect(sent).toEqual([expect.objectContaining({ topicName: 'orders', partition: 1, errorCode: 0 })]);
      const offsets = await admin.fetchTopicOffsets('orders');
      expect(offsets.find((o) => o.partition === 1)).toMatchObject({ high: '2', low: '0' });

      await cluster.command('leader orders 0 2');
      await cluster.command('leader orders 2 -1');
      const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
      const partitions = [...meta.topics[0].partitions].sort((a, b) => a.partitionId - b.partitionId);
      expect(partitions.map((p) => p.leader)).toEqual([2, expect.any(Number), -1]);
      expect(partitions.map((p) => [...p.replicas].sort())).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
      const described = await admin.describeCluster();
      const byId = new Map(described.brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]));
      expect([byId.get(1), byId.get(2), byId.get(3)]).toEqual(cluster.bootstrap);
      expect(described.controller).toBe(0);
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('rejects a bad command with the reason', async () => {
    await expect(cluster.command('leader orders 9 1')).rejects.toThrow('Unknown topic or partition');
    await expect(cluster.command('bogus')).rejects.toThrow('bad command');
    await cluster.command('rtt 1 0');
  });

  it('stop ends the process and is idempotent', async () => {
    const other = await startMockCluster({ brokers: 1 });
    await other.stop();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    await expect(other.command('up 1')).rejects.toThrow('not running');
  });
});
