import { Kafka, logLevel } from 'kafkajs';
import { startMockCluster } from '../kafka-mock/mock-cluster';
test('probe', async () => {
  const c = await startMockCluster({ brokers: 3, topics: [{ name: 't', partitions: 1, replication: 3 }] });
  await c.command('leader t 0 1');
  const kafka = new Kafka({ brokers: c.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 } });
  const p = kafka.producer(); await p.connect();
  await p.send({ topic: 't', acks: 0, messages: [{ value: 'a' }] });
  await c.command('down 1');
  for (let i = 0; i < 5; i++) { try { await p.send({ topic: 't', acks: 0, messages: [{ value: 'b' }] }); console.log('sent ok during down'); } catch (e) { console.log('send err', (e as Error).message); } }
  await c.command('up 1');
  await new Promise((r) => setTimeout(r, 200));
  const admin = kafka.admin(); await admin.connect();
  try { console.log('offsets', JSON.stringify(await admin.fetchTopicOffsets('t'))); } catch (e) { console.log('fetch err', (e as Error).message); }
  await admin.disconnect(); await p.disconnect();
  await c.stop();
});
