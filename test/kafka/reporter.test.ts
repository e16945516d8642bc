/**
 * One reporter per cluster, on the real 3-node KRaft lab: three `pitower exporter` daemons (the built CLI,
 * default Kafka flags but faster polls), each bootstrapped from "its Pi's" broker only, as on a Pi lab.
 * Exactly one of them holds the consumer-group lease and reports the cluster-wide kafka_* families; the sum
 * of any family over all three equals the truth; a reporter that stops, is killed, or loses its broker hands
 * over with no gap longer than two 15 s scrapes, and never to two reporters at once.
 */
import { join } from 'node:path';
import { startKafkaLab, type KafkaLab, type LabConsumer } from '../lab/kafka';
import { startDaemon, stopDaemon, type DaemonHandle } from '../support/exporter-process';
import { parseMetricsText } from '../support/metrics-text';

const FIXTURES = join(__dirname, '..', 'fixtures');
const SENSORS = [`--path.sysfs=${join(FIXTURES, 'sysfs', 'pi4')}`, `--path.procfs=${join(FIXTURES, 'procfs', 'pi4')}`];
/** Prometheus' default scrape interval: the hand-over budget is two of them. */
const SCRAPE_MS = 15_000;
const RECORDS = 120;

let lab: KafkaLab;
let consumer: LabConsumer | undefined;
/** Exporter i (1..3) bootstraps from node i; undefined while "its Pi" is down. */
const daemons = new Map<number, DaemonHandle>();
let cluster: string;

function startExporter(node: number): Promise<DaemonHandle> {
  return startDaemon([...SENSORS, `--kafka.server=${lab.node(node).address}`, '--kafka.metadata-interval=1s', '--kafka.offsets-interval=2s'], 30_000).then((d) => {
    daemons.set(node, d);
    return d;
  });
}

async function scrape(d: DaemonHandle): Promise<Map<string, number>> {
  const res = await fetch(`${d.url}/metrics`);
  return parseMetricsText(await res.text());
}

/** Every live exporter's samples at (nearly) one instant. */
async function scrapeAll(): Promise<Map<number, Map<string, number>>> {
  const entries = await Promise.all([...daemons].map(async ([node, d]) => [node, await scrape(d)] as const));
  return new Map(entries);
}

const reporterKey = (): string => `pitower_kafka_reporter{cluster="${cluster}"}`;
const reportersOf = (all: Map<number, Map<string, number>>): number[] => [...all].filter(([, m]) => m.get(reporterKey()) === 1).map(([node]) => node);

/** The value summed over every exporter of every sample of `family` matching `labels` ("" = any). */
function sumOver(all: Map<number, Map<string, number>>, family: string, labels = ''): number {
  let sum = 0;
  for (const m of all.values()) for (const [key, v] of m) if ((key === family || key.startsWith(`${family}{`)) && key.includes(labels)) sum += v;
  return sum;
}

/**
 * Scrapes all exporters every 250 ms until `done` holds; returns the longest stretch with no reporter, and
 * throws if two exporters ever report at once.
 */
async function watch(what: string, done: (all: Map<number, Map<string, number>>) => boolean, timeoutMs = 60_000): Promise<{ gapMs: number; reporters: number[] }> {
  const deadline = Date.now() + timeoutMs;
  let gapStart: number | undefined;
  let gapMs = 0;
  for (;;) {
    const all = await scrapeAll();
    const reporters = reportersOf(all);
    if (reporters.length > 1) throw new Error(`two exporters report at once (${reporters.join(', ')}) while ${what}`);
    const now = Date.now();
    if (reporters.length === 0) gapStart ??= now;
    else if (gapStart !== undefined) {
      gapMs = Math.max(gapMs, now - gapStart);
      gapStart = undefined;
    }
    if (reporters.length === 1 && done(all)) return { gapMs, reporters };
    if (now > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}; reporters ${JSON.stringify(reporters)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The truth the three exporters together must give: every record's offset summed, three brokers, the group's lag 0. */
function expectTruth(all: Map<number, Map<string, number>>, brokers: number): void {
  expect(sumOver(all, 'kafka_brokers')).toBe(brokers);
  expect(sumOver(all, 'kafka_topic_partitions', 'topic="readings"')).toBe(3);
  expect(sumOver(all, 'kafka_topic_partition_current_offset', 'topic="readings"')).toBe(RECORDS);
  expect(sumOver(all, 'kafka_consumergroup_current_offset_sum', 'consumergroup="sink",topic="readings"')).toBe(RECORDS);
  expect(sumOver(all, 'kafka_consumergroup_lag_sum', 'consumergroup="sink",topic="readings"')).toBe(0);
  expect(sumOver(all, 'kafka_broker_info')).toBe(brokers);
}

beforeAll(async () => {
  lab = await startKafkaLab();
  cluster = lab.clusterId;
  await lab.createTopic('readings', { assignment: [[1, 2, 3], [2, 3, 1], [3, 1, 2]] });
  const producer = lab.kafka().producer();
  await producer.connect();
  await producer.send({ topic: 'readings', acks: -1, messages: Array.from({ length: RECORDS }, (_, i) => ({ partition: i % 3, value: `reading ${i}` })) });
  await producer.disconnect();
  consumer = await lab.startConsumer('sink', ['readings']);
  await consumer.waitForCommitted(RECORDS, 60_000);
  await Promise.all([1, 2, 3].map(startExporter));
}, 240_000);

afterAll(async () => {
  await Promise.all([...daemons.values()].map((d) => stopDaemon(d, 'SIGKILL')));
  await consumer?.stop().catch(() => undefined);
  await lab?.stop();
});

describe('test > kafka > one reporter per cluster (3 exporters, real 3-node KRaft)', () => {
  it('one exporter reports, every series carries the cluster id, and the sums over all three are the truth', async () => {
    const { reporters } = await watch('waiting for the first reporter and its offsets', (all) => sumOver(all, 'kafka_topic_partition_current_offset', 'topic="readings"') === RECORDS);
    const all = await scrapeAll();
    expect(reportersOf(all)).toEqual(reporters);
    expectTruth(all, 3);
    for (const [node, m] of all) {
      const kafka = [...m.keys()].filter((k) => k.startsWith('kafka_'));
      // Every kafka_* series, and this exporter's own view, carries the cluster label; only the reporter has kafka_* samples.
      expect(kafka.filter((k) => !k.includes(`cluster="${cluster}"`))).toEqual([]);
      expect(kafka.length > 0).toBe(node === reporters[0]);
      expect(m.get(`pitower_kafka_up{cluster="${cluster}"}`)).toBe(1);
    }
  }, 90_000);

  it('a reporter that stops leaves the group and hands over at once; one that joins does not take the lease', async () => {
    const [before] = reportersOf(await scrapeAll());
    const stopped = daemons.get(before);
    if (!stopped) throw new Error('no reporter');
    const { code } = await stopDaemon(stopped);
    expect(code).toBe(0);
    daemons.delete(before);
    const started = Date.now();
    const { reporters } = await watch('a clean stop hands over', () => true, 20_000);
    const handOverMs = Date.now() - started;
    console.log(`clean stop: exporter ${before} -> exporter ${reporters[0]} in ${handOverMs} ms`);
    expect(handOverMs).toBeLessThan(SCRAPE_MS);
    // "Its Pi" comes back: it joins the group, the lease stays where it is (sticky assignment).
    await startExporter(before);
    const joinedAt = Date.now();
    await watch('the returning exporter joined', (all) => all.get(before)?.get(`pitower_kafka_up{cluster="${cluster}"}`) === 1, 30_000);
    while (Date.now() - joinedAt < 8000) {
      expect(reportersOf(await scrapeAll())).toEqual(reporters);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expectTruth(await scrapeAll(), 3);
  }, 120_000);

  it("a killed reporter (its Pi died) hands over within the lease's session timeout: no gap of two scrapes", async () => {
    const [before] = reportersOf(await scrapeAll());
    const killed = daemons.get(before);
    if (!killed) throw new Error('no reporter');
    await stopDaemon(killed, 'SIGKILL');
    daemons.delete(before);
    const started = Date.now();
    const { reporters } = await watch('a killed reporter hands over', (all) => sumOver(all, 'kafka_topic_partition_current_offset', 'topic="readings"') === RECORDS, 60_000);
    const gapMs = Date.now() - started;
    console.log(`SIGKILL: exporter ${before} -> exporter ${reporters[0]} after ${gapMs} ms with no reporter`);
    expect(reporters[0]).not.toBe(before);
    expect(gapMs).toBeLessThan(2 * SCRAPE_MS);
    expectTruth(await scrapeAll(), 3);
    await startExporter(before);
  }, 120_000);

  it("a killed broker (the reporter's own): reporting goes on, one at a time, and the sums follow the cluster", async () => {
    await watch('every exporter up', (all) => all.size === 3 && [...all.values()].every((m) => m.get(`pitower_kafka_up{cluster="${cluster}"}`) === 1), 30_000);
    const [reporter] = reportersOf(await scrapeAll());
    await lab.node(reporter).kill();
    const started = Date.now();
    const { gapMs } = await watch('the cluster shows 2 brokers', (all) => sumOver(all, 'kafka_brokers') === 2, 90_000);
    console.log(`broker ${reporter} killed: longest stretch with no reporter ${gapMs} ms; 2 brokers shown after ${Date.now() - started} ms`);
    expect(gapMs).toBeLessThan(2 * SCRAPE_MS);
    await lab.node(reporter).restart();
    const healed = await watch('3 brokers again', (all) => sumOver(all, 'kafka_brokers') === 3 && sumOver(all, 'kafka_topic_partition_current_offset', 'topic="readings"') === RECORDS, 90_000);
    expect(healed.gapMs).toBeLessThan(2 * SCRAPE_MS);
    expectTruth(await scrapeAll(), 3);
  }, 240_000);
});
