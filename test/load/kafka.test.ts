/**
 * `pitower load --backend kafka` against librdkafka's mock cluster (test/kafka-mock), only for the faults a
 * real broker cannot be made to show on demand: added round-trip time, injected request errors, a stall.
 * Failover, acks and the loss audit on real Kafka: kafka-real.test.ts. Every reading of one run has the
 * same key (the host), so it lands in one partition.
 */
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../support/mariadb';
import { startMockCluster, type MockCluster } from '../kafka-mock/mock-cluster';
import { parseJsonSummary, runCli } from './run-cli';

let cluster: MockCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** High-water mark of each partition of `topic`. */
async function offsets(bootstrap: string[], topic: string): Promise<number[]> {
  const admin = new Kafka({ brokers: bootstrap, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
  } finally {
    await admin.disconnect();
  }
}

function kafkaArgs(c: MockCluster, ...more: string[]): string[] {
  return ['load', '--backend', 'kafka', '--kafka.server', c.bootstrap.join(','), '--topic', 'temperature', '--host', 'pi-1', '--json', ...more];
}

describe('load > kafka (librdkafka mock cluster)', () => {
  test.each([['1'], ['all']])('--count 200 with --acks %s: exactly 200 new messages in one partition, audit finds all', async (acks) => {
    cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'temperature', partitions: 3 }] });
    const summary = parseJsonSummary(await runCli(kafkaArgs(cluster, '--acks', acks, '--count', '200', '--concurrency', '4', '--audit')));
    expect(summary).toMatchObject({ backend: 'kafka', transactions: 200, errors: 0 });
    expect(summary.audit).toEqual({ acknowledged: 200, found: 200, lost: 0, duplicated: 0, unacknowledgedPresent: 0 });
    const highs = await offsets(cluster.bootstrap, 'temperature');
    expect(highs.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Math.max(...highs)).toBe(200);
  });

  test('sync awaits every reading (10 round trips); batch sends 10 readings in one', async () => {
    cluster = await startMockCluster({ brokers: 1, topics: [{ name: 'temperature', partitions: 1, replication: 1 }] });
    await cluster.command('rtt 1 100');
    const sync = parseJsonSummary(await runCli(kafkaArgs(cluster, '--mode', 'sync', '--count', '10', '--concurrency', '1')));
    const batch = parseJsonSummary(await runCli(kafkaArgs(cluster, '--mode', 'batch', '--batch-size', '10', '--count', '10', '--concurrency', '1')));
    expect([sync.transactions, batch.transactions]).toEqual([10, 10]);
    expect(sync.seconds).toBeGreaterThanOrEqual(1.0);
    expect(sync.latency.p50).toBeGreaterThanOrEqual(0.1);
    expect(batch.seconds).toBeLessThan(0.5);
    expect(await offsets(cluster.bootstrap, 'temperature')).toEqual([20]);
  });

  test.each([
    // acks, rejected requests, lost: with acks=0 the producer never sees the broker's NOT_LEADER replies;
    // with acks=all kafkajs retries each rejected send (up to 5 times) and nothing is lost
    ['0', 100, 100],
    ['all', 5, 0],
  ])('produce requests rejected (NOT_LEADER, as in a failover) with --acks %s: %p rejected -> the audit reports %p lost', async (acks, rejected, lost) => {
    cluster = await startMockCluster({ brokers: 1, topics: [{ name: 'temperature', partitions: 1, replication: 1 }] });
    await cluster.command(`errors 0 ${rejected} 6`); // ApiKey 0 = Produce, error 6 = NOT_LEADER_OR_FOLLOWER
    const summary = parseJsonSummary(await runCli(kafkaArgs(cluster, '--acks', acks, '--count', '1000', '--concurrency', '1', '--audit')));
    const [high] = await offsets(cluster.bootstrap, 'temperature');
    expect([summary.transactions, summary.errors]).toEqual([1000, 0]);
    expect(summary.audit).toEqual({ acknowledged: 1000, found: 1000 - lost, lost, duplicated: 0, unacknowledgedPresent: 0 });
    expect(high).toBe(1000 - lost);
  });

  test('a broker that stalls mid-run cannot stretch the run: hung writes count as timeouts after the drain', async () => {
    cluster = await startMockCluster({ brokers: 1, topics: [{ name: 'temperature', partitions: 1, replication: 1 }] });
    const c = cluster;
    const run = runCli(kafkaArgs(c, '--duration', '2s', '--concurrency', '4'));
    await new Promise((r) => setTimeout(r, 1000));
    await c.command('rtt 1 60000'); // answers in a minute: kafkajs would keep retrying for ~50 s
    const result = await run;
    const summary = parseJsonSummary(result);
    // 2 s run + 10 s drain + 1 s grace for the forced close, not the client's own retries.
    expect(result.ms).toBeLessThan(16000);
    expect(summary.seconds).toBeCloseTo(2, 6);
    expect(summary.errorsByReason).toMatchObject({ timeout: 4 });
    expect(summary.transactions).toBeGreaterThan(0);
  }, 30000);

  test("every bootstrap server refuses at start: exit 2 after kafkajs' retries, not --connect-timeout, with one line naming the servers", async () => {
    const [a, b] = [await freePort(), await freePort()];
    const result = await runCli(['load', '--backend', 'kafka', '--kafka.server', `127.0.0.1:${a},127.0.0.1:${b}`, '--connect-timeout', '30s', '--count', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^pitower: cannot reach kafka 127\\.0\\.0\\.1:${a},127\\.0\\.0\\.1:${b}: .*\\(refused; not retried\\)$`, 'm'));
    // kafkajs goes round the servers itself (~3 s); nothing waits out the 30 s.
    expect(result.ms).toBeLessThan(10000);
  });
});
