/**
 * The Prometheus bundle end to end: Debian's Prometheus with the shipped prometheus.yml (test intervals,
 * per-job target files) and the shipped rules (alerts with a short `for:`), scraping
 *   - a pitower exporter (in process) over a copy of the Pi 4 fixture sysfs, with the Kafka collector
 *     polling a librdkafka mock cluster,
 *   - Debian's node_exporter (cpu and diskstats collectors).
 * Then: every target is up, every recording rule whose inputs the stack exposes yields series (with exact
 * values where the fixture fixes them), a hotter fixture makes PitowerOverheating pending then firing, and
 * an offline partition makes KafkaPartitionOffline pending then firing.
 *
 * To add a target (e.g. the in-daemon load generator once it is a daemon module): start it in beforeAll,
 * push its stop onto `cleanups`, and add its extension to `extensions` or its job's targets to
 * `targetsByJob`; the recording-rule check picks up its metrics by itself.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { COLLECTORS } from '../../exporter/src/collectors/registry';
import type { ExporterConfig } from '../../exporter/src/config/exporter-options';
import { parseListenAddress } from '../../exporter/src/config/parse';
import type { DaemonExtension } from '../../exporter/src/daemon/extension';
import { createExporter } from '../../exporter/src/http/server';
import { createKafkaExtension } from '../../exporter/src/kafka/module';
import { startMockCluster, type MockCluster } from '../kafka-mock/mock-cluster';
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
const TEST_FOR = '3s';
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
  let kafka: MockCluster;
  let prom: PrometheusHandle;
  let exporterTarget: string;

  beforeAll(async () => {
    sysfs = mkdtempSync(join(tmpdir(), 'pitower-e2e-sysfs-'));
    cleanups.push(() => rmSync(sysfs, { recursive: true, force: true }));
    cpSync(FIXTURE, sysfs, { recursive: true });

    kafka = await startMockCluster({ brokers: 3, topics: [{ name: 'temperature', partitions: 3, replication: 3 }] });
    cleanups.push(() => kafka.stop());

    const extensions: DaemonExtension[] = [
      createKafkaExtension({
        brokers: kafka.bootstrap,
        metadataIntervalSeconds: 1,
        offsetsIntervalSeconds: 1,
        minIsrDefault: 2,
        maxPartitions: 10_000,
        topicFilter: /.*/,
        groupFilter: /.*/,
      }),
    ];
    const config: ExporterConfig = {
      listenAddress: parseListenAddress(`${HOST}:0`),
      telemetryPath: '/metrics',
      sysfs,
      procfs: '/proc',
      logLevel: 'warn',
      logFormat: 'json',
      collectors: COLLECTORS.map((c) => c.name),
    };
    exporter = createExporter(config, extensions, false);
    cleanups.push(() => exporter.close());
    const url = new URL(await exporter.listen({ host: HOST, port: 0 }));
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
  }, 60_000);

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
    expect(single(await prom.query('cluster:kafka_partitions:count'))).toBe(3);
    expect(single(await prom.query('cluster:kafka_brokers:max'))).toBe(3);
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

  it('fires KafkaPartitionOffline (pending, then firing) when a partition loses its leader', async () => {
    await kafka.command('leader temperature 1 -1');
    await prom.waitForQuery('cluster:kafka_offline_partitions:sum == 1', undefined, 20_000);
    const { states, firing } = await watchAlertUntilFiring(prom, 'KafkaPartitionOffline');
    expect(states[states.length - 1]).toBe('firing');
    expect(states[0]).toBe('pending');
    expect(firing.map(labelsOf)).toEqual([
      { alertname: 'KafkaPartitionOffline', alertstate: 'firing', severity: 'critical', topic: 'temperature' },
    ]);
  });
});
