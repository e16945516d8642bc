import { startMockCluster, type MockCluster } from '../kafka-mock/mock-cluster';
import { kafkaConfig, startKafkaHarness, type KafkaHarness } from './harness';

/** Scenario 5 of issue 4: a hanging, then dead cluster never slows /metrics, which serves the last snapshot. */
describe('test > kafka > cluster unreachable', () => {
  let cluster: MockCluster;
  let harness: KafkaHarness;

  beforeAll(async () => {
    cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3, replication: 3 }] });
    // A scrape waits at most --kafka.offsets-scrape-wait for fresh offsets; 0.3 s here, so "under a second" holds
    // with room (the default 1 s is paid by at most one scrape per hung poll).
    harness = await startKafkaHarness(kafkaConfig(cluster.bootstrap, { offsetsScrapeWaitSeconds: 0.3 }));
    await harness.nextMetadata();
  });

  afterAll(async () => {
    await harness?.close();
    await cluster?.stop();
  });

  async function waitForUp(value: number, timeoutMs: number): Promise<Map<string, number>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await harness.scrape();
      if (m.get('pitower_kafka_up') === value) return m;
      if (Date.now() > deadline) throw new Error(`pitower_kafka_up did not become ${value} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('scenario 5: brokers that hang -> /metrics answers within the scrape wait from the last snapshot, up 0, age growing; recovers', async () => {
    const m0 = await harness.scrape();
    expect(m0.get('pitower_kafka_up')).toBe(1);
    for (const id of [1, 2, 3]) await cluster.command(`rtt ${id} 20000`);
    const slowest = { ms: 0 };
    const down = await (async () => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const { text, ms } = await harness.scrapeText();
        slowest.ms = Math.max(slowest.ms, ms);
        if (text.includes('\npitower_kafka_up 0\n')) return text;
        if (Date.now() > deadline) throw new Error('pitower_kafka_up did not become 0');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    expect(slowest.ms).toBeLessThan(1000);
    // The last good snapshot is still served.
    expect(down).toContain('\nkafka_topic_partitions{topic="orders"} 3\n');
    expect(down).toMatch(/\npitower_kafka_poll_errors_total\{kind="metadata",reason="timeout"\} [1-9]/);
    const age1 = (await harness.scrape()).get('pitower_kafka_metadata_age_seconds') as number;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const age2 = (await harness.scrape()).get('pitower_kafka_metadata_age_seconds') as number;
    expect(age1).toBeGreaterThan(1);
    expect(age2 - age1).toBeGreaterThanOrEqual(0.25);

    for (const id of [1, 2, 3]) await cluster.command(`rtt ${id} 0`);
    const back = await waitForUp(1, 20_000);
    expect(back.get('pitower_kafka_metadata_age_seconds')).toBeLessThan(1);
  });

  it('scenario 5: the whole cluster gone (connection refused) -> up 0 and /metrics still under a second', async () => {
    await cluster.stop();
    await waitForUp(0, 15_000);
    const brokerUp = (m: Map<string, number>): Array<number | undefined> =>
      [1, 2, 3].map((id) => m.get(`pitower_kafka_broker_up{broker="${id}",address="${cluster.bootstrap[id - 1]}"}`));
    // Failed polls still probe the brokers of the last snapshot.
    let m = await harness.scrape();
    for (const deadline = Date.now() + 10_000; brokerUp(m).some((v) => v !== 0) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      m = await harness.scrape();
    }
    expect(brokerUp(m)).toEqual([0, 0, 0]);
    expect(m.get('kafka_brokers')).toBe(3);
    expect(m.get('kafka_topic_partitions{topic="orders"}')).toBe(3);
    for (let i = 0; i < 5; i++) {
      const { ms } = await harness.scrapeText();
      expect(ms).toBeLessThan(1000);
    }
    const errors = [...(await harness.scrape()).entries()].filter(([k]) => k.startsWith('pitower_kafka_poll_errors_total{kind="metadata"'));
    expect(errors.length).toBeGreaterThan(0);
  });
});
