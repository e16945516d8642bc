import { startKafkaExporter, type KafkaExporterHandle } from '../lab/kafka-exporter';
import { startKafkaLab, type KafkaLab, type LabConsumer } from '../lab/kafka';
import { parseSamples, toSeriesKey, type Sample } from '../support/metrics-text';
import { startPrometheus } from '../support/prometheus';
import { kafkaConfig, startKafkaHarness, type KafkaHarness } from './harness';

/**
 * pitower beside kafka_exporter v1.9.0 on the same quiet real cluster: every family kafka_exporter exposes,
 * pitower exposes too, with the same label names and the same series with the same values, so a
 * kafka_exporter dashboard reads the same on pitower.
 */

describe('test > kafka > side by side with kafka_exporter v1.9.0 on the real cluster', () => {
  let lab: KafkaLab;
  let harness: KafkaHarness;
  let peer: KafkaExporterHandle;
  let consumer: LabConsumer;

  beforeAll(async () => {
    lab = await startKafkaLab();
    await lab.createTopic('readings', { assignment: [[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 3, 2]] });
    await lab.createTopic('alerts', { assignment: [[2, 1]] });
    const producer = lab.kafka().producer();
    await producer.connect();
    await producer.send({ topic: 'readings', acks: -1, messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, value: `r${i}` })) });
    await producer.send({ topic: 'alerts', acks: -1, messages: [{ value: 'a0' }, { value: 'a1' }] });
    consumer = await lab.startConsumer('dashboard', ['readings']);
    // A group that committed one partition of readings and none of alerts: -1 for the other three, as kafka_exporter shows.
    const admin = lab.kafka().admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'partial', topic: 'readings', partitions: [{ partition: 0, offset: '3' }] });
    await admin.disconnect();
    await consumer.waitForCommitted(40);
    consumer.pause();
    // Lag: 5 more per readings partition after the commit.
    await producer.send({ topic: 'readings', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 4, value: `s${i}` })) });
    await producer.disconnect();
    // Leader of readings/0 moved off its preferred replica, so leader_is_preferred differs from 1 somewhere.
    await lab.node(1).kill();
    await lab.node(1).restart();
    await lab.waitForTopic('readings', 'ISR whole again', (ps) => ps.every((p) => p.isr.length === 3), 60_000);

    peer = await startKafkaExporter(lab.bootstrap);
    harness = await startKafkaHarness(kafkaConfig(lab.bootstrap, { metadataIntervalSeconds: 0.5, offsetsIntervalSeconds: 0.5 }));
    await harness.nextOffsets(20_000);
  }, 240_000);

  afterAll(async () => {
    await consumer?.stop();
    await harness?.close();
    await peer?.stop();
    await lab?.stop();
  });

  async function scrapePeer(): Promise<Sample[]> {
    const response = await fetch(peer.url);
    if (response.status !== 200) throw new Error(`kafka_exporter /metrics answered ${response.status}`);
    return parseSamples(await response.text()).filter((s) => s.name.startsWith('kafka_') && !s.name.startsWith('kafka_exporter_'));
  }

  const byFamily = (samples: Sample[]): Map<string, Sample[]> => {
    const out = new Map<string, Sample[]>();
    for (const s of samples) out.set(s.name, [...(out.get(s.name) ?? []), s]);
    return out;
  };
  /** A family's samples; none when the scrape lacks it. */
  const family = (families: Map<string, Sample[]>, name: string): Sample[] => families.get(name) ?? [];

  it('exposes every kafka_exporter family, with the same label names and values', async () => {
    // kafka_exporter reads at scrape time, pitower polls, and a broker that just restarted may serve
    // metadata a moment behind the others: wait (30 s at most) until both show the same settled cluster.
    const labelNames = (samples: Sample[]) => [...new Set(samples.flatMap((s) => Object.keys(s.labels).sort().join(',')))].sort();
    const values = (samples: Sample[]) => Object.fromEntries(samples.map((s) => [toSeriesKey(s), s.value]).sort());
    const shared = (a: Map<string, Sample[]>, b: Map<string, Sample[]>) => [...b.keys()].filter((name) => a.has(name)).sort();
    const agree = (a: Map<string, Sample[]>, b: Map<string, Sample[]>) =>
      shared(a, b).every((name) => JSON.stringify(values(family(a, name))) === JSON.stringify(values(family(b, name))));
    let theirs = byFamily(await scrapePeer());
    let ours = byFamily(parseSamples((await harness.scrapeText()).text));
    const deadline = Date.now() + 30_000;
    const settled = (f: Map<string, Sample[]>) =>
      family(f, 'kafka_consumergroup_lag').filter((s) => s.labels.consumergroup === 'dashboard' && s.labels.topic === 'readings').reduce((sum, s) => sum + s.value, 0) === 20 &&
      family(f, 'kafka_brokers')[0]?.value === 3 &&
      family(f, 'kafka_topic_partition_under_replicated_partition').every((s) => s.value === 0);
    while (!(settled(theirs) && settled(ours) && agree(ours, theirs)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      theirs = byFamily(await scrapePeer());
      ours = byFamily(parseSamples((await harness.scrapeText()).text));
    }

    const missing = [...theirs.keys()].filter((name) => !ours.has(name)).sort();
    expect(missing).toEqual([]);
    const compared = shared(ours, theirs);
    expect(compared).toEqual([
      'kafka_broker_info',
      'kafka_brokers',
      'kafka_consumergroup_current_offset',
      'kafka_consumergroup_current_offset_sum',
      'kafka_consumergroup_lag',
      'kafka_consumergroup_lag_sum',
      'kafka_consumergroup_members',
      'kafka_topic_partition_current_offset',
      'kafka_topic_partition_in_sync_replica',
      'kafka_topic_partition_leader',
      'kafka_topic_partition_leader_is_preferred',
      'kafka_topic_partition_oldest_offset',
      'kafka_topic_partition_replicas',
      'kafka_topic_partition_under_replicated_partition',
      'kafka_topic_partitions',
    ]);
    for (const name of compared) {
      expect({ name, labels: labelNames(family(ours, name)) }).toEqual({ name, labels: labelNames(family(theirs, name)) });
      expect({ name, values: values(family(ours, name)) }).toEqual({ name, values: values(family(theirs, name)) });
    }
    // The scenario is what we think it is: readings/0 led by 2 (not its preferred 1), lag 5 per partition.
    const leader0 = family(theirs, 'kafka_topic_partition_leader').find((s) => s.labels.topic === 'readings' && s.labels.partition === '0');
    expect(leader0?.value).toBe(2);
    const lag = (group: string) => family(theirs, 'kafka_consumergroup_lag').filter((s) => s.labels.consumergroup === group && s.labels.topic === 'readings');
    expect(lag('dashboard').map((s) => s.value)).toEqual([5, 5, 5, 5]);
    expect(Object.fromEntries(lag('partial').map((s) => [s.labels.partition, s.value]))).toEqual({ 0: 15 - 3, 1: -1, 2: -1, 3: -1 });
    expect(family(theirs, 'kafka_consumergroup_lag_sum').map(toSeriesKey).sort()).toEqual([
      'kafka_consumergroup_lag_sum{consumergroup="dashboard",topic="readings"}',
      'kafka_consumergroup_lag_sum{consumergroup="partial",topic="readings"}',
    ]);
  }, 60_000);
  /**
   * The queries of a kafka_exporter dashboard (the panels of Grafana's "Kafka Exporter Overview", 7589, and
   * the usual alert expressions), written against the families above with `{J}` for the exporter's job.
   */
  const DASHBOARD_QUERIES = [
    'kafka_brokers{J}',
    'count(kafka_broker_info{J})',
    'kafka_topic_partitions{J}',
    'sum by (topic) (kafka_topic_partitions{J})',
    'sum by (topic) (kafka_topic_partition_current_offset{J})',
    'sum by (topic) (kafka_topic_partition_current_offset{J} - kafka_topic_partition_oldest_offset{J})',
    'sum by (topic) (rate(kafka_topic_partition_current_offset{J}[1m]))',
    'sum by (consumergroup, topic) (kafka_consumergroup_lag{J})',
    'sum by (consumergroup, topic) (kafka_consumergroup_lag{J} >= 0)',
    'sum by (consumergroup, topic) (rate(kafka_consumergroup_current_offset{J}[1m]))',
    'kafka_consumergroup_lag_sum{J}',
    'kafka_consumergroup_current_offset_sum{J}',
    'max by (consumergroup) (kafka_consumergroup_members{J})',
    'kafka_topic_partition_leader{J}',
    'count by (topic) (kafka_topic_partition_leader_is_preferred{J} == 0)',
    'sum(kafka_topic_partition_under_replicated_partition{J})',
    'kafka_topic_partition_in_sync_replica{J} < kafka_topic_partition_replicas{J}',
    'sum by (topic) (kafka_topic_partition_replicas{J})',
    'count(kafka_topic_partition_leader{J} == -1)',
  ];

  it('answers every query of a kafka_exporter dashboard with the same data, through a real Prometheus scraping both', async () => {
    const target = (url: string) => new URL(url);
    const job = (name: string, url: string) => `  - job_name: ${name}\n    scrape_interval: 1s\n    metrics_path: ${target(url).pathname}\n    static_configs:\n      - targets: ['${target(url).host}']\n`;
    const prom = await startPrometheus({ configYaml: `global:\n  scrape_interval: 1s\nscrape_configs:\n${job('pitower', harness.metricsUrl)}${job('kafka_exporter', peer.url)}` });
    try {
      for (const j of ['pitower', 'kafka_exporter']) await prom.waitForQuery(`count_over_time(kafka_brokers{job="${j}"}[1m]) >= 5`, undefined, 30_000);
      const answer = async (q: string, j: string) => {
        const data = await prom.query(q.split('{J}').join(`{job="${j}"}`));
        return data.result
          .map((r) => {
            const { job: _job, instance: _instance, ...labels } = r.metric;
            return `${JSON.stringify(Object.fromEntries(Object.entries(labels).sort()))} ${r.value?.[1]}`;
          })
          .sort();
      };
      let withData = 0;
      for (const q of DASHBOARD_QUERIES) {
        const [ours, theirs] = [await answer(q, 'pitower'), await answer(q, 'kafka_exporter')];
        expect({ q, answer: ours }).toEqual({ q, answer: theirs });
        if (theirs.length > 0) withData++;
      }
      // The scenario gives most of them data (lag, a leader off its preferred replica, retained messages).
      expect(withData).toBeGreaterThanOrEqual(DASHBOARD_QUERIES.length - 3);
    } finally {
      await prom.stop();
    }
  }, 90_000);
});

describe('test > kafka > offsets are read at scrape time, as kafka_exporter reads them', () => {
  let lab: KafkaLab;
  let harness: KafkaHarness;
  let peer: KafkaExporterHandle;

  beforeAll(async () => {
    lab = await startKafkaLab();
    await lab.createTopic('ticks', { assignment: [[1, 2, 3]] });
    peer = await startKafkaExporter(lab.bootstrap);
    // The background offsets poll runs once at start and then not for an hour: only a scrape can refresh.
    harness = await startKafkaHarness(kafkaConfig(lab.bootstrap, { metadataIntervalSeconds: 0.5, offsetsIntervalSeconds: 3600 }));
    await harness.nextMetadata(20_000);
  }, 240_000);

  afterAll(async () => {
    await harness?.close();
    await peer?.stop();
    await lab?.stop();
  });

  it('each scrape shows the records written just before it, so rate() over 15 s scrapes is right', async () => {
    const producer = lab.kafka().producer();
    await producer.connect();
    const offset = async (): Promise<{ ours: number; theirs: number }> => {
      const value = (text: string) => parseSamples(text).find((s) => s.name === 'kafka_topic_partition_current_offset' && s.labels.topic === 'ticks')?.value;
      const ours = value((await harness.scrapeText()).text);
      const theirs = value(await (await fetch(peer.url)).text());
      return { ours: ours ?? NaN, theirs: theirs ?? NaN };
    };
    try {
      const seen: Array<{ ours: number; theirs: number }> = [await offset()];
      for (const n of [7, 3, 12]) {
        await producer.send({ topic: 'ticks', acks: -1, messages: Array.from({ length: n }, (_, i) => ({ value: `t${i}` })) });
        await new Promise((resolve) => setTimeout(resolve, 1100)); // past FRESH_OFFSETS_MS: each scrape reads again
        seen.push(await offset());
      }
      expect(seen).toEqual([
        { ours: 0, theirs: 0 },
        { ours: 7, theirs: 7 },
        { ours: 10, theirs: 10 },
        { ours: 22, theirs: 22 },
      ]);
    } finally {
      await producer.disconnect();
    }
  }, 60_000);
});
