import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setEnv } from '../support/env';
import { resolveKafkaJars, startKafkaLab, type KafkaLab } from './kafka';

describe('test > lab > one-line errors that name the step', () => {
  const saved = { cache: process.env.PITOWER_LAB_CACHE, path: process.env.PATH };
  const cache = mkdtempSync(join(tmpdir(), 'pitower-lab-cache-'));
  beforeEach(() => {
    process.env.PITOWER_LAB_CACHE = cache;
  });
  afterEach(() => {
    setEnv('PITOWER_LAB_CACHE', saved.cache);
    setEnv('PATH', saved.path);
  });
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it('a version that is not x.y.z', async () => {
    await expect(resolveKafkaJars('4.1')).rejects.toThrow(/^kafka lab: resolve jars: PITOWER_KAFKA_VERSION "4.1" is not x\.y\.z$/);
  });

  it('Maven missing from PATH', async () => {
    // A PATH with sh, java and javac only.
    const bin = join(cache, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['sh', 'java', 'javac']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
    process.env.PATH = bin;
    await expect(resolveKafkaJars('4.1.0')).rejects.toThrow(/^kafka lab: resolve jars: mvn is not installed \(Debian: apt-get install maven\)$/);
  });

  it('a version Maven Central does not have', async () => {
    const err = (await resolveKafkaJars('4.1.99').catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/^kafka lab: resolve Apache Kafka 4\.1\.99 from Maven Central \(mvn\): .*kafka_2\.13.*4\.1\.99/);
    expect(err.message.split('\n')).toHaveLength(1);
  }, 120_000);
});

/** The lab itself: 3 real KRaft nodes, faults by PID, preferred election, a committing consumer group. */
describe('test > lab > real Kafka cluster', () => {
  let lab: KafkaLab;

  beforeAll(async () => {
    lab = await startKafkaLab();
  }, 180_000);

  afterAll(async () => {
    await lab?.stop();
  });

  it('lists 3 brokers, creates a topic with an explicit assignment, moves and restores a leader', async () => {
    await lab.createTopic('lab-check', { assignment: [[1, 2, 3], [2, 3, 1]] });
    expect((await lab.describeTopic('lab-check')).map((p) => p.leader)).toEqual([1, 2]);

    await lab.node(1).kill();
    expect(lab.node(1).pid()).toBeUndefined();
    await lab.waitForTopic('lab-check', 'partition 0 led by 2 or 3 with ISR 2', (ps) => [2, 3].includes(ps[0].leader) && ps[0].isr.length === 2);

    await lab.node(1).restart();
    await lab.waitForTopic('lab-check', 'ISR of partition 0 back to 3', (ps) => ps[0].isr.length === 3);
    await lab.electPreferredLeaders('lab-check', [0]);
    await lab.waitForTopic('lab-check', 'partition 0 led by 1 again', (ps) => ps[0].leader === 1);
  }, 120_000);

  it('a paused follower drops out of the ISR and rejoins after resume', async () => {
    lab.node(3).pause();
    await lab.waitForTopic('lab-check', 'node 3 out of both ISRs', (ps) => ps.every((p) => !p.isr.includes(3)), 30_000);
    lab.node(3).resume();
    await lab.waitForTopic('lab-check', 'node 3 back in both ISRs', (ps) => ps.every((p) => p.isr.includes(3)), 30_000);
  }, 90_000);

  it('a consumer group member commits what it read', async () => {
    const producer = lab.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'lab-check', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `m${i}` })) });
    await producer.disconnect();
    const consumer = await lab.startConsumer('lab-group', ['lab-check']);
    await consumer.waitForCommitted(10);
    expect(consumer.received()).toBe(10);
    const offsets = await lab.kafka().admin();
    await offsets.connect();
    const [committed] = await offsets.fetchOffsets({ groupId: 'lab-group', topics: ['lab-check'] });
    await offsets.disconnect();
    expect(committed.partitions.map((p) => p.offset).sort()).toEqual(['5', '5']);
    await consumer.stop();
  }, 60_000);
});
