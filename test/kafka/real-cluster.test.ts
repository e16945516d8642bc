import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promtoolProblems } from '../support/metrics-text';
import { startKafkaLab, type KafkaLab, type LabConsumer } from '../lab/kafka';
import { parseJsonSummary, runCli } from '../load/run-cli';
import { kafkaConfig, startKafkaHarness, type KafkaHarness } from './harness';

/**
 * pitower's Kafka collector on a real 3-node KRaft cluster (test/lab/kafka.ts): every fault is a real
 * process fault (SIGKILL, SIGSTOP/SIGCONT, restart), and every value is what the brokers themselves report.
 * The scenarios run in order on one cluster; each leaves it whole again for the next.
 *
 * "orders": 6 partitions, RF 3, partition p preferred on node (p % 3) + 1, replicas rotating:
 *   p0 [1,2,3]  p1 [2,3,1]  p2 [3,1,2]  p3 [1,2,3]  p4 [2,3,1]  p5 [3,1,2]
 */
const ORDERS = Array.from({ length: 6 }, (_, p) => [0, 1, 2].map((k) => ((p + k) % 3) + 1));
const tp = (p: number, topic = 'orders'): string => `topic="${topic}",partition="${p}"`;

describe('test > kafka > real 3-node KRaft cluster', () => {
  let lab: KafkaLab;
  let harness: KafkaHarness;

  /** Scrapes until `done` holds for the samples (the collector polls metadata every 0.25 s). */
  async function until(what: string, done: (m: Map<string, number>) => boolean, timeoutMs = 30_000): Promise<Map<string, number>> {
    const deadline = Date.now() + timeoutMs;
    let m = await harness.scrape();
    while (!done(m)) {
      if (Date.now() > deadline) {
        const kafka = [...m].filter(([k]) => /orders|payments|pinned|under_min|up /.test(k)).map(([k, v]) => `${k} ${v}`);
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${kafka.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      m = await harness.scrape();
    }
    return m;
  }

  beforeAll(async () => {
    lab = await startKafkaLab();
    await lab.createTopic('orders', { assignment: ORDERS });
    harness = await startKafkaHarness(kafkaConfig(lab.bootstrap, { metadataIntervalSeconds: 0.25, offsetsIntervalSeconds: 0.5, groupExclude: /^ignored$/ }));
    await harness.nextOffsets(20_000);
    await harness.nextMetadata();
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
    await lab?.stop();
  });

  /** After each scenario, pass or fail: every node up, every orders partition on its preferred leader, ISR whole. */
  afterEach(async () => {
    await lab.heal();
    await lab.waitForTopic('orders', 'every ISR whole', (ps) => ps.every((p) => p.isr.length === 3), 60_000);
    await lab.electPreferredLeaders('orders', [...ORDERS.keys()]);
    await until('every orders partition on its preferred leader with its ISR whole', (s) =>
      ORDERS.every((r, p) => s.get(`kafka_topic_partition_leader{${tp(p)}}`) === r[0] && s.get(`kafka_topic_partition_in_sync_replica{${tp(p)}}`) === 3),
    );
  }, 120_000);

  it('starts whole: 3 brokers with their addresses, a controller, every partition on its preferred leader', async () => {
    const m = await harness.scrape();
    expect(m.get('pitower_kafka_up')).toBe(1);
    expect(m.get('pitower_kafka_metadata_patch_ok{kafkajs_version="2.2.4"}')).toBe(1); // the start-up check of the kafkajs patch, on the real daemon
    expect(m.get('kafka_brokers')).toBe(3);
    expect([1, 2, 3]).toContain(m.get('pitower_kafka_controller_id'));
    expect(m.get('kafka_topic_partitions{topic="orders"}')).toBe(6);
    for (const node of lab.nodes) {
      expect(m.get(`kafka_broker_info{id="${node.id}",address="${node.address}"}`)).toBe(1);
      expect(m.get(`pitower_kafka_broker_up{broker="${node.id}",address="${node.address}"}`)).toBe(1);
      expect(m.get(`pitower_kafka_broker_partitions_led{broker="${node.id}"}`)).toBe(2);
    }
    for (const [p, replicas] of ORDERS.entries()) {
      expect(m.get(`kafka_topic_partition_leader{${tp(p)}}`)).toBe(replicas[0]);
      expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(p)}}`)).toBe(1);
      expect(m.get(`kafka_topic_partition_replicas{${tp(p)}}`)).toBe(3);
      expect(m.get(`kafka_topic_partition_in_sync_replica{${tp(p)}}`)).toBe(3);
      expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(p)}}`)).toBe(0);
      expect(m.get(`pitower_kafka_partition_offline{${tp(p)}}`)).toBe(0);
      // min.insync.replicas=2 is the brokers' default here, read through DescribeConfigs: 3 in sync is fine.
      expect(m.get(`pitower_kafka_partition_under_min_isr{${tp(p)}}`)).toBe(0);
      expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(p)}}`)).toBe(0);
      expect(m.get(`pitower_kafka_partition_isr_shrinks_total{${tp(p)}}`)).toBe(0);
    }
  });

  it('leader failover: SIGKILL the leader of orders/0 -> next replica leads, one change, ISR 2; restart expands; election restores', async () => {
    await lab.node(1).kill();
    let m = await until('orders/0 led by node 2 with ISR 2', (s) => s.get(`kafka_topic_partition_leader{${tp(0)}}`) === 2 && s.get(`kafka_topic_partition_in_sync_replica{${tp(0)}}`) === 2);
    expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(0)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_isr_shrinks_total{${tp(0)}}`)).toBe(1);
    expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(0)}}`)).toBe(1);
    expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(0)}}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_replica_in_sync{${tp(0)},broker="1"}`)).toBe(0);
    expect(m.get(`pitower_kafka_partition_replica_leader{${tp(0)},broker="2"}`)).toBe(1);
    // orders/3 had the same leader; orders/1 only lost a follower.
    m = await until('orders/3 led by node 2', (s) => s.get(`kafka_topic_partition_leader{${tp(3)}}`) === 2 && s.get(`kafka_topic_partition_in_sync_replica{${tp(1)}}`) === 2);
    expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(1)}}`)).toBe(0);
    expect(m.get(`kafka_topic_partition_leader{${tp(1)}}`)).toBe(2);
    expect(m.get(`pitower_kafka_broker_preferred_not_leader_partitions{broker="1"}`)).toBe(2);
    expect(m.get(`pitower_kafka_broker_partitions_led{broker="1"}`)).toBe(0);
    expect(m.get(`pitower_kafka_broker_partitions_led{broker="2"}`)).toBe(4);

    await lab.node(1).restart();
    m = await until('orders/0 ISR back to 3', (s) => s.get(`kafka_topic_partition_in_sync_replica{${tp(0)}}`) === 3);
    expect(m.get(`pitower_kafka_partition_isr_expands_total{${tp(0)}}`)).toBe(1);
    expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(0)}}`)).toBe(0);
    expect(m.get(`kafka_topic_partition_leader{${tp(0)}}`)).toBe(2); // auto.leader.rebalance.enable=false
    expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(0)}}`)).toBe(0);

    await lab.electPreferredLeaders('orders', [0, 3]);
    m = await until('orders/0 and orders/3 back on node 1', (s) => s.get(`kafka_topic_partition_leader{${tp(0)}}`) === 1 && s.get(`kafka_topic_partition_leader{${tp(3)}}`) === 1);
    expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(0)}}`)).toBe(1);
    expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(0)}}`)).toBe(2);
    expect(m.get(`pitower_kafka_broker_preferred_not_leader_partitions{broker="1"}`)).toBe(0);
  }, 120_000);

  it('ISR shrink: SIGSTOP a follower -> it leaves the ISR (counted) within seconds; SIGCONT -> it rejoins (counted)', async () => {
    const before = await harness.scrape();
    const shrinks0 = before.get(`pitower_kafka_partition_isr_shrinks_total{${tp(0)}}`) as number;
    const expands0 = before.get(`pitower_kafka_partition_isr_expands_total{${tp(0)}}`) as number;
    const paused = Date.now();
    lab.node(3).pause();
    let m: Map<string, number>;
    try {
      // How long Kafka itself takes to shrink the ISR is Kafka's business (replica.lag.time.max.ms=2000 here,
      // plus a controller election when the stuck node led the quorum, stretched under CI load): the claim is
      // that pitower shows the shrink soon after the brokers' own metadata does. Both are watched in one loop;
      // Kafka's side through a fresh admin, bounded because its request may go to the stuck node.
      let kafkaAt: number | undefined;
      let pitowerAt: number | undefined;
      const kafkaShrunk = async (): Promise<boolean> => {
        const ps = await Promise.race([lab.describeTopic('orders').catch(() => undefined), sleep(1500).then(() => undefined)]);
        return ps !== undefined && !ps[0].isr.includes(3);
      };
      m = await harness.scrape();
      while (kafkaAt === undefined || pitowerAt === undefined) {
        if (Date.now() - paused > 45_000) throw new Error(`node 3 not out of the ISR of orders/0 after 45 s: kafka ${kafkaAt ? 'yes' : 'no'}, pitower ${pitowerAt ? 'yes' : 'no'}`);
        if (kafkaAt === undefined && (await kafkaShrunk())) kafkaAt = Date.now();
        m = await harness.scrape();
        if (pitowerAt === undefined && m.get(`pitower_kafka_partition_replica_in_sync{${tp(0)},broker="3"}`) === 0) pitowerAt = Date.now();
        await sleep(100);
      }
      // one metadata refresh (0.25 s), at worst after one request to the stuck node timed out (2 s), and this
      // loop's own step (a bounded describe, 1.5 s)
      expect((pitowerAt - kafkaAt) / 1000).toBeLessThan(4);
      expect(m.get(`pitower_kafka_partition_isr_shrinks_total{${tp(0)}}`)).toBe(shrinks0 + 1);
      expect(m.get(`kafka_topic_partition_in_sync_replica{${tp(0)}}`)).toBe(2);
      expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(0)}}`)).toBe(1);
      expect(m.get(`kafka_topic_partition_leader{${tp(0)}}`)).toBe(1);
      expect(m.get(`pitower_kafka_partition_under_min_isr{${tp(0)}}`)).toBe(0); // 2 in sync = min.insync.replicas
    } finally {
      lab.node(3).resume();
    }
    m = await until('node 3 back in the ISR of orders/0', (s) => s.get(`pitower_kafka_partition_replica_in_sync{${tp(0)},broker="3"}`) === 1, 30_000);
    expect(m.get(`pitower_kafka_partition_isr_expands_total{${tp(0)}}`)).toBe(expands0 + 1);
    expect(m.get(`kafka_topic_partition_under_replicated_partition{${tp(0)}}`)).toBe(0);
  }, 120_000);

  it('under min ISR: a replica of an RF-2, min.insync.replicas=2 topic gone -> under_min_isr 1 and acks=all writes fail as unavailable (NOT_ENOUGH_REPLICAS)', async () => {
    // Two of three gone would take the KRaft quorum (the same 3 nodes) with them, and nothing could change
    // the ISR any more: so the topic has 2 replicas and loses one; min.insync.replicas is the topic's own.
    await lab.createTopic('payments', { assignment: [[1, 2]], configs: { 'min.insync.replicas': '2' } });
    await until('payments listed', (s) => s.get(`pitower_kafka_partition_under_min_isr{${tp(0, 'payments')}}`) === 0);
    await lab.node(2).kill();
    try {
      const m = await until('payments/0 under min ISR', (s) => s.get(`pitower_kafka_partition_under_min_isr{${tp(0, 'payments')}}`) === 1);
      expect(m.get(`kafka_topic_partition_in_sync_replica{${tp(0, 'payments')}}`)).toBe(1);
      expect(m.get(`kafka_topic_partition_leader{${tp(0, 'payments')}}`)).toBe(1);
      expect(m.get(`pitower_kafka_partition_offline{${tp(0, 'payments')}}`)).toBe(0);
      // orders has 3 replicas and min ISR 2: one node down leaves it writable.
      await until('orders/1 ISR 2', (s) => s.get(`kafka_topic_partition_in_sync_replica{${tp(1)}}`) === 2);
      expect((await harness.scrape()).get(`pitower_kafka_partition_under_min_isr{${tp(1)}}`)).toBe(0);

      const summary = parseJsonSummary(
        await runCli(['load', '--backend', 'kafka', '--kafka.server', lab.bootstrap.join(','), '--topic', 'payments', '--acks', 'all', '--count', '20', '--concurrency', '2', '--json']),
      );
      expect(summary.transactions).toBe(0);
      expect(summary.errors).toBe(20);
      // reason "unavailable" is the load generator's bounded name for NOT_ENOUGH_REPLICAS(_AFTER_APPEND)
      expect(summary.errorsByReason).toEqual({ unavailable: 20 });
    } finally {
      await lab.node(2).restart();
    }
    await until('payments/0 back to 2 in sync', (s) => s.get(`pitower_kafka_partition_under_min_isr{${tp(0, 'payments')}}`) === 0 && s.get(`kafka_topic_partition_in_sync_replica{${tp(0, 'payments')}}`) === 2);
  }, 150_000);

  it('offline: the only replica of an RF-1 topic killed -> leader -1, offline 1, while kafka_up stays 1', async () => {
    await lab.createTopic('pinned', { assignment: [[3], [3]], configs: { 'min.insync.replicas': '1' } });
    await until('pinned listed', (s) => s.get(`kafka_topic_partition_leader{${tp(0, 'pinned')}}`) === 3);
    await lab.node(3).kill();
    try {
      const m = await until('pinned/0 offline', (s) => s.get(`pitower_kafka_partition_offline{${tp(0, 'pinned')}}`) === 1 && s.get(`pitower_kafka_partition_offline{${tp(1, 'pinned')}}`) === 1);
      expect(m.get(`kafka_topic_partition_leader{${tp(0, 'pinned')}}`)).toBe(-1);
      expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(0, 'pinned')}}`)).toBe(1);
      expect(m.get('pitower_kafka_up')).toBe(1);
      expect(m.get('kafka_brokers')).toBe(2);
      // A dead broker leaves the metadata (kafka_broker_info with it) but stays on broker_up, as 0.
      expect(m.has(`kafka_broker_info{id="3",address="${lab.node(3).address}"}`)).toBe(false);
      expect(m.get(`pitower_kafka_broker_up{broker="3",address="${lab.node(3).address}"}`)).toBe(0);
      expect(m.get(`pitower_kafka_broker_up{broker="1",address="${lab.node(1).address}"}`)).toBe(1);
      expect(m.get('pitower_kafka_poll_errors_total{kind="broker",reason="unreachable"}')).toBeGreaterThan(0);
      expect(m.get(`pitower_kafka_partition_replica_leader{${tp(0, 'pinned')},broker="3"}`)).toBe(0);
      expect(m.get(`kafka_topic_partition_leader_is_preferred{${tp(0, 'pinned')}}`)).toBe(0);
      expect(m.get(`pitower_kafka_broker_partitions_led{broker="3"}`)).toBe(0);
      expect(m.get(`kafka_topic_partition_leader{${tp(0)}}`)).toBe(1); // the rest of the cluster is fine
    } finally {
      await lab.node(3).restart();
    }
    const m = await until('pinned/0 back', (s) => s.get(`pitower_kafka_partition_offline{${tp(0, 'pinned')}}`) === 0 && s.get('kafka_brokers') === 3);
    expect(m.get(`kafka_topic_partition_leader{${tp(0, 'pinned')}}`)).toBe(3);
    expect(m.get(`pitower_kafka_partition_leader_changes_total{${tp(0, 'pinned')}}`)).toBe(2);
    expect(m.get(`pitower_kafka_broker_up{broker="3",address="${lab.node(3).address}"}`)).toBe(1);
  }, 150_000);

  describe('consumer lag', () => {
    let consumer: LabConsumer | undefined;
    afterAll(async () => {
      await consumer?.stop();
    });

    it('a member commits everything, then N more records -> lag exactly N, the member counted', async () => {
      const producer = lab.kafka().producer();
      await producer.connect();
      const send = (n: number, from: number) =>
        producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: n }, (_, i) => ({ partition: (from + i) % 6, value: `r${from + i}` })) });
      await send(60, 0);
      consumer = await lab.startConsumer('billing', ['orders']);
      await consumer.waitForCommitted(60);
      let m = await until('billing committed 10 on every partition', (s) => ORDERS.every((_, p) => s.get(`kafka_consumergroup_current_offset{consumergroup="billing",${tp(p)}}`) === 10));
      for (const p of ORDERS.keys()) {
        expect(m.get(`kafka_consumergroup_current_offset{consumergroup="billing",${tp(p)}}`)).toBe(10);
        expect(m.get(`kafka_consumergroup_lag{consumergroup="billing",${tp(p)}}`)).toBe(0);
        expect(m.get(`kafka_topic_partition_current_offset{${tp(p)}}`)).toBe(10);
        expect(m.get(`kafka_topic_partition_oldest_offset{${tp(p)}}`)).toBe(0);
      }
      expect(m.get('kafka_consumergroup_members{consumergroup="billing"}')).toBe(1);

      consumer.pause();
      await send(18, 0); // 3 more in every partition
      m = await until('lag 3 on every partition', (s) => ORDERS.every((_, p) => s.get(`kafka_consumergroup_lag{consumergroup="billing",${tp(p)}}`) === 3));
      for (const p of ORDERS.keys()) {
        expect(m.get(`kafka_topic_partition_current_offset{${tp(p)}}`)).toBe(13);
        expect(m.get(`kafka_consumergroup_current_offset{consumergroup="billing",${tp(p)}}`)).toBe(10);
      }
      expect(m.get('kafka_consumergroup_members{consumergroup="billing"}')).toBe(1);
      await producer.disconnect();
    }, 90_000);

    it('a committed offset above the high watermark reads lag 0 and is counted; an excluded group is not shown', async () => {
      const admin = lab.kafka().admin();
      await admin.connect();
      try {
        await admin.setOffsets({ groupId: 'ahead', topic: 'orders', partitions: [{ partition: 0, offset: '1000' }] });
        await admin.setOffsets({ groupId: 'ignored', topic: 'orders', partitions: [{ partition: 0, offset: '1' }] });
      } finally {
        await admin.disconnect();
      }
      const g = `consumergroup="ahead",${tp(0)}`;
      const m = await until('group ahead listed', (s) => s.has(`kafka_consumergroup_current_offset{${g}}`));
      expect(m.get(`kafka_consumergroup_current_offset{${g}}`)).toBe(1000);
      expect(m.get(`kafka_consumergroup_lag{${g}}`)).toBe(0);
      expect(m.get('pitower_kafka_consumergroup_lag_clamped_total{consumergroup="ahead"}')).toBeGreaterThan(0);
      expect(m.get('kafka_consumergroup_members{consumergroup="ahead"}')).toBe(0);
      expect([...m.keys()].filter((k) => k.includes('consumergroup="ignored"'))).toEqual([]);
    }, 60_000);
  });

  it("log dirs (DescribeLogDirs, which kafkajs lacks): every replica's size is the bytes of its segment files on that broker's disk", async () => {
    await lab.createTopic('sizes', { assignment: [[1, 2, 3]] });
    const producer = lab.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'sizes', acks: -1, messages: Array.from({ length: 40 }, (_, i) => ({ partition: 0, value: `reading ${i} ${'x'.repeat(1000)}` })) });
    await producer.disconnect();
    const dataDir = (node: number) => join(lab.dir, `node-${node}`, 'data');
    const onDisk = (node: number): number => {
      const dir = join(dataDir(node), 'sizes-0');
      return readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    };
    const key = (node: number, topic: string, partition: number) => `pitower_kafka_log_dir_partition_size_bytes{broker="${node}",log_dir="${dataDir(node)}",${tp(partition, topic)}}`;
    // Every replica of sizes/0 has the 40 records (acks=all, ISR whole): > 40 KB on each of the three disks.
    const m = await until('log dir sizes equal to the segment files', (s) => lab.nodes.every((n) => s.get(key(n.id, 'sizes', 0)) === onDisk(n.id) && onDisk(n.id) > 40_000));
    for (const node of lab.nodes) {
      const dir = `broker="${node.id}",log_dir="${dataDir(node.id)}"`;
      expect(m.get(`pitower_kafka_log_dir_online{${dir}}`)).toBe(1);
      // The dir total counts every replica on the broker (internal topics too): at least its orders and sizes replicas.
      const shown = [...ORDERS.keys()].map((p) => m.get(key(node.id, 'orders', p)) ?? NaN);
      expect(shown.every((n) => n >= 0)).toBe(true);
      const total = m.get(`pitower_kafka_log_dir_size_bytes{${dir}}`) ?? NaN;
      expect(total).toBeGreaterThanOrEqual(shown.reduce((a, b) => a + b, 0) + onDisk(node.id));
    }
  }, 60_000);

  it('lag in seconds: the newest record minus the record at the committed offset, from their own timestamps', async () => {
    await lab.createTopic('aged', { assignment: [[2, 3, 1]] });
    const t0 = Date.now() - 120_000;
    const producer = lab.kafka().producer();
    await producer.connect();
    // Ten readings, one second apart in their record timestamps (as a Pi stamps them), written at once.
    await producer.send({ topic: 'aged', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `r${i}`, timestamp: String(t0 + i * 1000) })) });
    await producer.disconnect();
    const admin = lab.kafka().admin();
    await admin.connect();
    try {
      // The group's next record is offset 3 (stamped t0+3s); the newest is offset 9 (t0+9s): 6 s behind.
      await admin.setOffsets({ groupId: 'aged-readers', topic: 'aged', partitions: [{ partition: 0, offset: '3' }] });
      const key = (name: string) => `${name}{consumergroup="aged-readers",${tp(0, 'aged')}}`;
      let m = await until('a lag of 6 s', (s) => s.get(key('kafka_consumergroup_lag_seconds')) === 6);
      expect(m.get(key('kafka_consumergroup_lag'))).toBe(7);
      expect(m.get(key('kafka_consumer_lag_millis'))).toBe(6000);
      // Caught up: lag 0 records, 0 s.
      await admin.setOffsets({ groupId: 'aged-readers', topic: 'aged', partitions: [{ partition: 0, offset: '10' }] });
      m = await until('no lag', (s) => s.get(key('kafka_consumergroup_lag')) === 0);
      expect(m.get(key('kafka_consumergroup_lag_seconds'))).toBe(0);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('promtool check metrics is clean on the whole /metrics output of the real cluster', async () => {
    const { text } = await harness.scrapeText();
    expect(text).toContain('kafka_consumergroup_lag{consumergroup="billing",topic="orders",partition="0"} 3');
    expect(promtoolProblems(text)).toEqual([]);
  });

  it('the whole cluster down -> /metrics answers within 1 s with kafka_up 0; back up -> fresh data soon after', async () => {
    await Promise.all(lab.nodes.map((n) => n.kill()));
    let slowest = 0;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { text, ms } = await harness.scrapeText();
      slowest = Math.max(slowest, ms);
      if (text.includes('\npitower_kafka_up 0\n')) break;
      if (Date.now() > deadline) throw new Error('pitower_kafka_up did not become 0 within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(slowest).toBeLessThan(1000);
    const down = await harness.scrape();
    expect(down.get('kafka_topic_partitions{topic="orders"}')).toBe(6); // the last snapshot, with its age
    expect(down.get('pitower_kafka_metadata_age_seconds')).toBeGreaterThan(0);

    await Promise.all(lab.nodes.map((n) => n.restart()));
    const listed = Date.now();
    await until('kafka_up 1 with 3 brokers', (s) => s.get('pitower_kafka_up') === 1 && s.get('kafka_brokers') === 3, 30_000);
    const seconds = (Date.now() - listed) / 1000;
    // The poller's backoff (0.25 s doubling, ±20 %) reaches 8 s x 1.2 = 9.6 s after the ~6 failed polls
    // of an outage this long; then one poll and kafkajs' reconnect. 10.2 s was seen on a loaded machine.
    expect(seconds).toBeLessThan(15);
    const m = await harness.scrape();
    expect(m.get('pitower_kafka_metadata_age_seconds')).toBeLessThan(1);
  }, 180_000);
});
