import { parse } from 'yaml';
import {
  parseAlertNames,
  parseRecordingRules,
  readBundleFile,
  toExpectedRecords,
  toInputNames,
  toTestAlertRules,
  toTestConfig,
} from './bundle';

describe('prometheus bundle > toInputNames', () => {
  it.each([
    ['node_cpu_seconds_total', ['node_cpu_seconds_total']],
    [
      'clamp(1 - avg by (instance, role) (sum without (mode) (rate(node_cpu_seconds_total{mode=~"idle|iowait|steal"}[1m]))), 0, 1)',
      ['node_cpu_seconds_total'],
    ],
    [
      'max by (instance, role) (pitower_thermal_zone_temperature_celsius or pitower_hwmon_temperature_celsius)',
      ['pitower_hwmon_temperature_celsius', 'pitower_thermal_zone_temperature_celsius'],
    ],
    ['histogram_quantile(0.99, sum by (backend, le) (rate(pitower_load_latency_seconds_bucket[1m])))', ['pitower_load_latency_seconds_bucket']],
    ['sum(topic:kafka_offline_partitions:sum)', ['topic:kafka_offline_partitions:sum']],
    [
      '(backend:a:rate1m or 0 * backend:b:rate1m) / (backend:b:rate1m + backend:a:rate1m or backend:b:rate1m)',
      ['backend:a:rate1m', 'backend:b:rate1m'],
    ],
    ['up{job="pitower", instance=~"a{1,2}"} == 0', ['up']],
    ['count(max by (topic, partition) (kafka_topic_partition_leader)) > bool 1 unless on (x) absent(y)', ['kafka_topic_partition_leader', 'y']],
  ])('%s', (expr, names) => {
    expect(toInputNames(expr)).toEqual(names);
  });
});

describe('prometheus bundle > toExpectedRecords', () => {
  const rules = [
    { record: 'instance:a:rate1m', expr: 'sum by (instance) (rate(a_total[1m]))' },
    { record: 'instance:ab:max', expr: 'max by (instance) (a_total or b_total)' },
    { record: 'cluster:a:sum', expr: 'sum(instance:a:rate1m)' },
    { record: 'cluster:ab:sum', expr: 'sum(instance:ab:max)' },
    { record: 'cluster:c:sum', expr: 'sum(c_total)' },
  ];
  it.each([
    [[], []],
    [['a_total'], ['instance:a:rate1m', 'cluster:a:sum']],
    [['a_total', 'b_total'], ['instance:a:rate1m', 'instance:ab:max', 'cluster:a:sum', 'cluster:ab:sum']],
    [['c_total', 'up'], ['cluster:c:sum']],
  ])('present %j -> %j', (present, expected) => {
    expect(toExpectedRecords(rules, present)).toEqual(expected);
  });

  it('treats a cycle as not expected', () => {
    const cyclic = [
      { record: 'x:a:sum', expr: 'sum(x:b:sum)' },
      { record: 'x:b:sum', expr: 'sum(x:a:sum) or c_total' },
    ];
    expect(toExpectedRecords(cyclic, ['c_total'])).toEqual([]);
  });
});

describe('prometheus bundle > test copies of the shipped files', () => {
  it('points every file_sd job at its own target file and shortens the intervals', () => {
    const { configYaml, files } = toTestConfig(
      readBundleFile('prometheus.yml'),
      { pitower: [{ targets: ['127.0.0.1:1234'], labels: { role: 'producer' } }] },
      1,
    );
    const config = parse(configYaml);
    expect(config.global).toEqual({ scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' });
    expect(config.rule_files).toEqual(['rules/pitower-records.yml', 'rules/pitower-alerts.yml']);
    expect(config.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(['pitower', 'node', 'mysqld']);
    expect(config.scrape_configs.map((j: { file_sd_configs: unknown }) => j.file_sd_configs)).toEqual([
      [{ files: ['targets/pitower.yml'] }],
      [{ files: ['targets/node.yml'] }],
      [{ files: ['targets/mysqld.yml'] }],
    ]);
    expect(parse(files['targets/pitower.yml'])).toEqual([{ targets: ['127.0.0.1:1234'], labels: { role: 'producer' } }]);
    expect(parse(files['targets/node.yml'])).toEqual([]);
  });

  it('sets every alert for: to the given duration and keeps everything else', () => {
    const shipped = readBundleFile('rules/pitower-alerts.yml');
    const copy = parse(toTestAlertRules(shipped, '3s'));
    const original = parse(shipped);
    const fors = copy.groups.flatMap((g: { rules: { for?: string }[] }) => g.rules.map((r) => r.for));
    expect(new Set(fors)).toEqual(new Set(['3s']));
    for (const group of original.groups) for (const rule of group.rules) delete rule.for;
    for (const group of copy.groups) for (const rule of group.rules) delete rule.for;
    expect(copy).toEqual(original);
  });

  it('ships an example target list with host names only and a role on every group', () => {
    const groups = parse(readBundleFile('targets/pis.yml')) as { targets: string[]; labels: Record<string, string> }[];
    expect(groups.map((g) => g.labels.role)).toEqual(['producer', 'broker', 'database']);
    for (const group of groups) {
      expect(Object.keys(group.labels)).toEqual(['role']);
      for (const target of group.targets) expect(target).toMatch(/^[a-z0-9.-]+$/);
    }
  });

  it('reads the shipped rules', () => {
    const records = parseRecordingRules(readBundleFile('rules/pitower-records.yml')).map((r) => r.record);
    expect(records).toContain('instance:node_cpu_busy:ratio_rate1m');
    expect(records).toContain('cluster:kafka_isr_shrinks:rate5m');
    expect(new Set(records).size).toBe(records.length);
    expect(parseAlertNames(readBundleFile('rules/pitower-alerts.yml'))).toContain('PitowerOverheating');
  });
});
