/**
 * The Prometheus bundle end to end: Debian's Prometheus with the shipped prometheus.yml (test intervals,
 * per-job target files) and the shipped rules (alerts with a short `for:`), scraping
 *   - a pitower exporter (in process, built from flags like `pitower exporter`) over a copy of the Pi 4
 *     fixture sysfs, with the Kafka collector polling the real 3-node Kafka lab (test/lab) and the load generator
 *     writing to the `null` backend at 200 readings/s,
 *   - Debian's node_exporter (cpu and diskstats collectors).
 * Then: every target is up, every recording rule whose inputs the stack exposes yields series (with exact
 * values where the fixture fixes them), a hotter fixture makes PitowerOverheating pending then firing, and
 * an offline partition makes KafkaPartitionOffline pending then firing.
 *
 * To add a target (e.g. mysqld_exporter, or the load generator on MariaDB): start it in beforeAll, push its
 * stop onto `cleanups`, and add exporter flags to `flags` or its job's targets to `targetsByJob`; the
 * recording-rule check picks up its metrics by itself.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Command } from 'commander';
import { exporterOptionSpecs, resolveExporter } from '../../exporter/src/commands/exporter';
import { addOptions, optionSource } from '../../exporter/src/config/options';
import type { DaemonExtension } from '../../exporter/src/daemon/extension';
import { createExporter, listen, type ExporterConfig } from '../../exporter/src/http/server';
import { startKafkaLab, type KafkaLab } from '../lab/kafka';
import { startNodeExporter, type NodeExporterHandle } from '../support/node-exporter';
import { startPrometheus, type PrometheusHandle, type PromQueryData, type PromSample } from '../support/prometheus';
import {
  parseRecordingRules,
  readBundleFile,
  toExpectedRecords,
  toTestAlertRules,
  toTestConfig,
  type TargetGroup,
} from './bundle';

const FIXTURE = join(__dirname, '..', 'fixtures', 'sysfs', 'pi4');
const INTERVAL_SECONDS = 1;
const TEST_FOR = '4s';
const HOST = '127.0.0.1';
const RECORDS = parseRecordingRules(readBundleFile('rules/pitower-records.yml'));

jest.setTimeout(90_000);

/** Value of the single sample of `data`, or throws with the result for the failure message. */
function single(data: PromQueryData): number {
  if (data.result.length !== 1 || !data.result[0].value) throw new Error(`expected one sample, got ${JSON.stringify(data.result)}`);
  return Number(data.result[0].value[1]);
}

function labelsOf(sample: PromSample): Record<string, string> {
  const { __name__: _name, ...labels } = sample.metric;
  return labels;
}

/** Flags -> exporter config and daemon extensions, the way `pitower exporter` resolves them. */
function toExporterSetup(flags: string[]): { config: ExporterConfig; extensions: DaemonExtension[] } {
  const specs = exporterOptionSpecs();
  const command = addOptions(new Command('exporter').exitOverride(), specs);
  command.parse(flags, { from: 'user' });
  return resolveExporter(optionSource(command, specs, { env: {} }));
}

/**
 * The recorded value of `record` equals `expr` evaluated at the timestamp the rule ran at. A scrape that
 * started just before an evaluation but was committed just after it is visible to the later query and
 * not to the rule, so one of the last twenty evaluations must match exactly (a wrong formula matches none;
 * on a loaded machine a scrape straddles many evaluations in a row, five were seen to miss).
 */
async function expectRecordEquals(prom: PrometheusHandle, record: string, expr: string): Promise<void> {
  await prom.waitForQuery(`count_over_time(${record}[1m]) >= 5`);
  const latest = single(await prom.query(`timestamp(${record})`));
  const seen: [number, number, number][] = [];
  for (let k = 0; k < 20; k++) {
    const time = new Date(Math.round((latest - k * INTERVAL_SECONDS) * 1000));
    const stamps = await prom.query(`timestamp(${record})`, time);
    if (stamps.result.length === 0) break; // the rule is younger than that
    const at = single(stamps);
    const when = new Date(Math.round(at * 1000));
    const recorded = single(await prom.query(record, when));
    const independent = single(await prom.query(expr, when));
    if (Math.abs(recorded - independent) <= 1e-12 * Math.max(1, Math.abs(independent))) return;
    seen.push([at, recorded, independent]);
  }
  throw new Error(`${record} differs from ${expr} at every one of the last evaluations [time, recorded, expr]: ${JSON.stringify(seen)}`);
}

/** CPUs as node_exporter counts them: the cpuN lines of /proc/stat. */
function procStatCpus(): number {
  return readFileSync('/proc/stat', 'utf8').split('\n').filter((line) => /^cpu\d+ /.test(line)).length;
}

/**
 * Polls ALERTS{alertname=...} until it is firing; returns the states seen in order (deduplicated), so a
 * test can check it went through pending.
 */
async function watchAlertUntilFiring(prom: PrometheusHandle, alertname: string, timeoutMs = 20_000): Promise<{ states: string[]; firing: PromSample[] }> {
  const states: string[] = [];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const data = await prom.query(`ALERTS{alertname="${alertname}"}`);
    for (const sample of data.result) {
      const state = sample.metric.alertstate;
      if (states[states.length - 1] !== state) states.push(state);
    }
    const firing = data.result.filter((s) => s.metric.alertstate === 'firing');
    if (firing.length > 0) return { states, firing };
    if (Date.now() > until) throw new Error(`${alertname} not firing after ${timeoutMs} ms; states seen: ${states.join(',')}\n${prom.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('prometheus bundle > end to end', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  let sysfs: string;
  let exporter: FastifyInstance;
  let node: NodeExporterHandle;
  let kafka: KafkaLab;
  let prom: PrometheusHandle;
  let exporterTarget: string;

  beforeAll(async () => {
    sysfs = mkdtempSync(join(tmpdir(), 'pitower-e2e-sysfs-'));
    cleanups.push(() => rmSync(sysfs, { recursive: true, force: true }));
    cpSync(FIXTURE, sysfs, { recursive: true });

    kafka = await startKafkaLab();
    cleanups.push(() => kafka.stop());
    // 3 partitions in all; pinned's only replica is on node 3: killing node 3 takes it offline.
    await kafka.createTopic('temperature', { assignment: [[1, 2, 3], [2, 3, 1]] });
    await kafka.createTopic('pinned', { assignment: [[3]], configs: { 'min.insync.replicas': '1' } });

    // The exporter exactly as `pitower exporter <flags>` builds it (flags -> config and daemon modules),
    // in process so the test needs no build.
    const flags = [
      `--web.listen-address=${HOST}:0`,
      `--path.sysfs=${sysfs}`,
      ...kafka.bootstrap.map((b) => `--kafka.server=${b}`),
      '--kafka.metadata-interval=1s',
      '--kafka.offsets-interval=1s',
      '--kafka.min-isr-default=2',
      // Open loop at a modest rate: the null backend in a closed loop would take a whole core.
      '--load.backend=null',
      '--load.rate=200',
      '--load.concurrency=4',
    ];
    const { config, extensions } = toExporterSetup(flags);
    exporter = createExporter(config, extensions, false);
    cleanups.push(() => exporter.close());
    const url = new URL(await listen(exporter, config));
    exporterTarget = `${HOST}:${url.port}`;

    node = await startNodeExporter({ collectors: ['cpu', 'diskstats'] });
    cleanups.push(() => node.stop());

    const producer = (target: string): TargetGroup[] => [{ targets: [target], labels: { role: 'producer' } }];
    const targetsByJob: Record<string, TargetGroup[]> = {
      pitower: producer(exporterTarget),
      node: producer(node.target),
      // The mysqld job keeps only `role: database` and adds port 9104 to a bare host name; nothing listens there.
      mysqld: [...producer(exporterTarget), { targets: ['db.invalid'], labels: { role: 'database' } }],
    };
    const { configYaml, files } = toTestConfig(readBundleFile('prometheus.yml'), targetsByJob, INTERVAL_SECONDS);
    prom = await startPrometheus({
      configYaml,
      files: {
        ...files,
        'rules/pitower-records.yml': readBundleFile('rules/pitower-records.yml'),
        'rules/pitower-alerts.yml': toTestAlertRules(readBundleFile('rules/pitower-alerts.yml'), TEST_FOR),
      },
    });
    cleanups.push(() => prom.stop());
  }, 180_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  });

  it('scrapes every pitower and node target (up == 1) with instance = host name and the role label', async () => {
    const up = await prom.waitForQuery('up{job=~"pitower|node"} == 1', (d) => d.result.length === 2);
    expect(up.result.map(labelsOf).sort((a, b) => a.job.localeCompare(b.job))).toEqual([
      { job: 'node', instance: HOST, role: 'producer' },
      { job: 'pitower', instance: HOST, role: 'producer' },
    ]);
    expect(single(await prom.query('count(up{job=~"pitower|node"})'))).toBe(2);

    const res = await fetch(`${prom.url}/api/v1/targets?state=active`);
    const body = (await res.json()) as { data: { activeTargets: { labels: Record<string, string>; scrapeUrl: string }[] } };
    const mysqld = body.data.activeTargets.filter((t) => t.labels.job === 'mysqld');
    expect(mysqld.map((t) => [t.scrapeUrl, t.labels.instance, t.labels.role])).toEqual([
      ['http://db.invalid:9104/metrics', 'db.invalid', 'database'],
    ]);
  });

  it('yields series for every recording rule whose inputs the stack exposes, with the fixture values', async () => {
    // Wait until node_exporter and the Kafka collector have been scraped twice (rates need two samples).
    await prom.waitForQuery('count_over_time(node_cpu_seconds_total[1m]) >= 2');
    await prom.waitForQuery('count_over_time(kafka_topic_partition_leader[1m]) >= 2', undefined, 30_000);
    await prom.waitForQuery('count_over_time(pitower_load_latency_seconds_count[1m]) >= 3');
    const res = await fetch(`${prom.url}/api/v1/label/__name__/values`);
    const present = ((await res.json()) as { data: string[] }).data;
    const expected = toExpectedRecords(RECORDS, present);

    // What this stack produces today; more appear as targets are added (never fewer).
    expect(expected).toEqual(
      expect.arrayContaining([
        'instance:node_cpus:count',
        'instance:node_cpu_busy:ratio_rate1m',
        'instance:node_cpu_iowait:ratio_rate1m',
        'instance:pitower_temperature_celsius:max',
        'instance:pitower_cpu_frequency_hertz:avg',
        'instance:pitower_cpu_frequency:ratio',
        'instance:pitower_load_transactions:rate1m',
        'instance:pitower_load_errors:rate1m',
        'instance:pitower_load_latency_seconds:p99_rate1m',
        'backend:pitower_load_transactions:rate1m',
        'backend:pitower_load_errors:rate1m',
        'backend:pitower_load_errors:ratio_rate1m',
        'backend:pitower_load_latency_seconds:p50_rate1m',
        'backend:pitower_load_latency_seconds:p90_rate1m',
        'backend:pitower_load_latency_seconds:p99_rate1m',
        'backend:pitower_load_latency_seconds:mean_rate1m',
        'topic:kafka_offline_partitions:sum',
        'cluster:kafka_offline_partitions:sum',
        'cluster:kafka_under_replicated_partitions:sum',
        'cluster:kafka_under_min_isr_partitions:sum',
        'cluster:kafka_isr_shrinks:rate5m',
        'cluster:kafka_partitions:count',
        'cluster:kafka_leader_imbalance:ratio',
        'cluster:kafka_brokers:max',
        'cluster:kafka_brokers_up:sum',
      ]),
    );
    const missing: string[] = [];
    await Promise.all(
      expected.map((record) =>
        prom.waitForQuery(record, undefined, 20_000).catch(() => {
          missing.push(record);
        }),
      ),
    );
    expect(missing).toEqual([]);

    const instance = `{instance="${HOST}",role="producer"}`;
    expect(single(await prom.query(`instance:pitower_temperature_celsius:max${instance}`))).toBe(48.692);
    expect(single(await prom.query(`instance:pitower_cpu_frequency_hertz:avg${instance}`))).toBe(1.275e9);
    expect(single(await prom.query(`instance:pitower_cpu_frequency:ratio${instance}`))).toBeCloseTo(0.85, 12);
    expect(single(await prom.query(`instance:node_cpus:count${instance}`))).toBe(procStatCpus());
    const busy = single(await prom.query(`instance:node_cpu_busy:ratio_rate1m${instance}`));
    expect(busy).toBeGreaterThanOrEqual(0);
    expect(busy).toBeLessThanOrEqual(1);
    // Rules computed by Prometheus equal an independent formulation evaluated at the rule's own timestamp.
    // (rate() over a series younger than the 1m window underestimates, so no absolute TPS check here.)
    await expectRecordEquals(prom, `instance:node_cpu_busy:ratio_rate1m${instance}`,
      'clamp(1 - sum(rate(node_cpu_seconds_total{mode=~"idle|iowait|steal"}[1m])) / count(node_cpu_seconds_total{mode="idle"}), 0, 1)');
    await expectRecordEquals(prom, 'backend:pitower_load_transactions:rate1m{backend="null"}',
      'sum(rate(pitower_load_transactions_total{backend="null"}[1m]))');
    await expectRecordEquals(prom, 'backend:pitower_load_latency_seconds:p99_rate1m{backend="null"}',
      'histogram_quantile(0.99, sum by (le) (rate(pitower_load_latency_seconds_bucket{backend="null"}[1m])))');
    expect(single(await prom.query('backend:pitower_load_transactions:rate1m{backend="null"}'))).toBeGreaterThan(0);
    // The null backend never fails.
    expect(single(await prom.query('backend:pitower_load_errors:ratio_rate1m{backend="null"}'))).toBe(0);
    const p50 = single(await prom.query('backend:pitower_load_latency_seconds:p50_rate1m{backend="null"}'));
    const p99 = single(await prom.query('backend:pitower_load_latency_seconds:p99_rate1m{backend="null"}'));
    expect(p50).toBeGreaterThan(0);
    expect(p99).toBeGreaterThanOrEqual(p50);
    // temperature (2) and pinned (1), the reporter lease's topic (1), and __consumer_offsets (the lease is a consumer group).
    const offsetsPartitions = single(await prom.query('kafka_topic_partitions{topic="__consumer_offsets"}'));
    expect(offsetsPartitions).toBeGreaterThan(0);
    expect(single(await prom.query('kafka_topic_partitions{topic="__pitower_reporter"}'))).toBe(1);
    expect(single(await prom.query('cluster:kafka_partitions:count'))).toBe(3 + 1 + offsetsPartitions);
    // Every Kafka record carries the cluster id the brokers report (the exporter's default cluster label).
    expect(single(await prom.query(`cluster:kafka_brokers:max{cluster="${kafka.clusterId}"}`))).toBe(3);
    expect(single(await prom.query('cluster:kafka_brokers_up:sum'))).toBe(3);
    expect(single(await prom.query('cluster:kafka_offline_partitions:sum'))).toBe(0);
    expect(single(await prom.query('cluster:kafka_under_min_isr_partitions:sum'))).toBe(0);
  });

  it('fires PitowerOverheating (pending, then firing) when the fixture temperature passes 75 °C', async () => {
    // 48.7 °C: after several evaluations (records exist, so rules have run) there is no overheating alert.
    await prom.waitForQuery('instance:pitower_temperature_celsius:max');
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_SECONDS * 1000));
    expect((await prom.query('ALERTS{alertname=~"PitowerOverheating.*"}')).result).toEqual([]);

    writeFileSync(join(sysfs, 'class/thermal/thermal_zone0/temp'), '82000\n');
    const { states, firing } = await watchAlertUntilFiring(prom, 'PitowerOverheating');
    expect(states).toEqual(['pending', 'firing']);
    expect(firing.map(labelsOf)).toEqual([
      { alertname: 'PitowerOverheating', alertstate: 'firing', instance: HOST, role: 'producer', severity: 'warning' },
    ]);
    expect(single(await prom.query(`instance:pitower_temperature_celsius:max{instance="${HOST}"}`))).toBe(82);
    // 82 °C is also past the 80 °C soft limit.
    await watchAlertUntilFiring(prom, 'PitowerOverheatingCritical');
  });

  it('fires PitowerUnderVoltage and PitowerThrottled from the fixture get_throttled (0x50005: bits 0, 2, 16, 18)', async () => {
    const underVoltage = await watchAlertUntilFiring(prom, 'PitowerUnderVoltage');
    expect(underVoltage.firing.map(labelsOf)).toEqual([
      { alertname: 'PitowerUnderVoltage', alertstate: 'firing', condition: 'under_voltage', instance: HOST, job: 'pitower', role: 'producer', severity: 'critical' },
    ]);
    const throttled = await watchAlertUntilFiring(prom, 'PitowerThrottled');
    expect(throttled.firing.map(labelsOf)).toEqual([
      { alertname: 'PitowerThrottled', alertstate: 'firing', condition: 'throttled', instance: HOST, job: 'pitower', role: 'producer', severity: 'warning' },
    ]);
  });

  it('fires KafkaPartitionOffline (pending, then firing) when a partition loses its leader', async () => {
    await kafka.node(3).kill();
    await prom.waitForQuery('cluster:kafka_offline_partitions:sum == 1', undefined, 20_000);
    const { states, firing } = await watchAlertUntilFiring(prom, 'KafkaPartitionOffline');
    expect(states[states.length - 1]).toBe('firing');
    expect(states[0]).toBe('pending');
    expect(firing.map(labelsOf)).toEqual([
      { alertname: 'KafkaPartitionOffline', alertstate: 'firing', cluster: kafka.clusterId, severity: 'critical', topic: 'pinned' },
    ]);
  });
});
