/**
 * dashboards/*.json: import-ready (inputs, requires), every variable defined, every datasource the
 * ${DS_PROMETHEUS} input, only built-in panel types plus pitower-cluster-panel, and every PromQL
 * expression accepted by a real Prometheus (Debian's, on a private port). The live stack that makes the
 * expressions non-empty is test/dashboards/demo.test.ts (it runs `npm run demo`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { QUERY_NAMES } from '@pitower/diagnosis';
import { startPrometheus, type PrometheusHandle } from '../support/prometheus';
import {
  ALLOWED_PANEL_TYPES,
  DASHBOARDS_DIR,
  findDatasources,
  findUndefinedVariables,
  isPrometheusInput,
  parseMetricNames,
  parseVariableReferences,
  readDashboards,
  toExpressions,
  toPanels,
  toPromQl,
  toVariablePromQl,
  toVariableQuery,
  type Dashboard,
} from './dashboard-lint';

const files = readDashboards();
const dashboards = files.map(({ file, text }) => ({ file, dashboard: JSON.parse(text) as Dashboard }));

describe('dashboards > lint helpers', () => {
  it.each([
    ['rate(x{instance=~"$instance"}[$__rate_interval])', ['instance', '__rate_interval']],
    ['${DS_PROMETHEUS}', ['DS_PROMETHEUS']],
    ['a{t=~"${topic:regex}"} [[role]]', ['topic', 'role']],
    ['no variables here', []],
    ['price $5', ['5']],
  ])('parseVariableReferences(%s)', (text, expected) => {
    expect(parseVariableReferences(text)).toEqual(expected);
  });

  it.each([
    ['sum(rate(a{i=~"$instance"}[$__rate_interval]))', 'sum(rate(a{i=~".*"}[1m]))'],
    ['increase(a[$__range])', 'increase(a[5m])'],
    ['a{t=~"${topic}",r=~"[[role]]"}', 'a{t=~".*",r=~".*"}'],
  ])('toPromQl(%s)', (expr, expected) => {
    expect(toPromQl(expr)).toBe(expected);
  });

  it.each([
    ['sum by (instance) (rate(pitower_load_transactions_total{backend=~".*"}[1m]))', ['pitower_load_transactions_total']],
    ['count(max by (instance) (pitower_throttling_now{role=~".*"}) == 1) or vector(0)', ['pitower_throttling_now']],
    ['histogram_quantile(0.99, sum by (instance, le) (rate(x_bucket[1m])))', ['x_bucket']],
    ['instance:node_cpu_busy:ratio_rate1m{instance=~".*"}', ['instance:node_cpu_busy:ratio_rate1m']],
    ['a / on (instance) group_left (role) b', ['a', 'b']],
    ['max(x) > 1e3', ['x']],
    ['up offset 5m', ['up']],
  ])('parseMetricNames(%s)', (expr, expected) => {
    expect(parseMetricNames(expr)).toEqual(expected);
  });

  it.each([
    ['label_values(up{job=~"pitower|node"}, role)', 'count by (role) (up{job=~"pitower|node"})'],
    ['label_values(kafka_topic_partitions, topic)', 'count by (topic) (kafka_topic_partitions)'],
    ['label_values(instance)', undefined],
    ['query_result(topk(3, up))', 'topk(3, up)'],
  ])('toVariablePromQl(%s)', (query, expected) => {
    expect(toVariablePromQl(query)).toBe(expected);
  });

  it('findUndefinedVariables reports a used but undeclared variable and ignores built-ins and inputs', () => {
    const d: Dashboard = {
      uid: 'u',
      title: 't',
      __inputs: [{ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }],
      templating: { list: [{ name: 'role', type: 'query' }] },
      panels: [{ type: 'stat', targets: [{ expr: 'rate(a{r=~"$role",i=~"$instance",d="${DS_PROMETHEUS}"}[$__rate_interval])' }] }],
    };
    expect(findUndefinedVariables(d)).toEqual(['instance']);
  });

  it.each([
    [{ type: 'prometheus', uid: '${DS_PROMETHEUS}' }, true],
    ['${DS_PROMETHEUS}', true],
    [{ type: 'grafana', uid: '-- Grafana --' }, true],
    [{ type: 'prometheus', uid: 'P1809F7CD0C75ACF3' }, false],
    ['Prometheus', false],
    [null, false],
  ])('isPrometheusInput(%j) = %s', (value, expected) => {
    expect(isPrometheusInput(value)).toBe(expected);
  });
});

describe('dashboards > files', () => {
  it('ships the three dashboards', () => {
    expect(files.map((f) => f.file)).toEqual(['pitower-kafka.json', 'pitower-load.json', 'pitower-overview.json']);
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual(['pitower-kafka', 'pitower-load', 'pitower-overview']);
  });

  describe.each(dashboards)('$file', ({ dashboard }) => {
    const panels = toPanels(dashboard);

    it('is import-ready: a DS_PROMETHEUS datasource input and __requires for every panel type used', () => {
      expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
      const required = new Set((dashboard.__requires ?? []).map((r) => `${r.type}:${r.id}`));
      expect(required).toContain('grafana:grafana');
      expect(required).toContain('datasource:prometheus');
      for (const type of new Set(panels.map((p) => p.type).filter((t) => t !== 'row'))) expect(required).toContain(`panel:${type}`);
      expect((dashboard as unknown as { id: unknown }).id).toBeNull();
    });

    it('defines every variable it uses', () => {
      expect(findUndefinedVariables(dashboard)).toEqual([]);
      const names = (dashboard.templating?.list ?? []).map((v) => v.name);
      expect(names[0]).toBe('DS_PROMETHEUS');
      expect(new Set(names).size).toBe(names.length);
    });

    it('queries only the ${DS_PROMETHEUS} input', () => {
      const bad = findDatasources(dashboard).filter((d) => !isPrometheusInput(d.value));
      expect(bad).toEqual([]);
      for (const p of panels.filter((x) => x.targets?.length)) expect(p.datasource).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
    });

    it('uses only built-in panel types and pitower-cluster-panel', () => {
      expect(panels.map((p) => p.type).filter((t) => !ALLOWED_PANEL_TYPES.has(t))).toEqual([]);
    });

    it('has unique panel ids and panels that fit the 24-column grid', () => {
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of panels as unknown as Array<{ gridPos: { x: number; w: number } }>) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    });
  });

  it('puts the cluster panel on its three views with the refIds the panel reads', () => {
    const cluster = dashboards.flatMap(({ dashboard }) => toPanels(dashboard)).filter((p) => p.type === 'pitower-cluster-panel');
    const byView = new Map(cluster.map((p) => [p.options?.view, (p.targets ?? []).map((t) => t.refId)]));
    expect([...byView.keys()].sort()).toEqual(['bottleneck', 'isr', 'leadership']);
    // The query names of `pitower diagnose` (@pitower/diagnosis, diagnosis/src/queries.ts), which the panel's defaults accept.
    expect(byView.get('bottleneck')).toEqual([...QUERY_NAMES]);
    expect(byView.get('leadership')).toEqual(
      expect.arrayContaining([
        'pitower_kafka_partition_replica_in_sync',
        'pitower_kafka_partition_replica_leader',
        'pitower_kafka_partition_replica_preferred',
        'pitower_kafka_partition_offline',
        'kafka_topic_partition_leader',
      ]),
    );
    expect(byView.get('isr')).toEqual(
      expect.arrayContaining(['pitower_kafka_partition_isr_shrinks_total', 'pitower_kafka_partition_isr_expands_total', 'pitower_kafka_partition_leader_changes_total']),
    );
  });

  it('uses the recording rules of prometheus/rules/pitower-records.yml, and only ones that exist', () => {
    const rules = parseYaml(readFileSync(join(DASHBOARDS_DIR, '..', 'prometheus', 'rules', 'pitower-records.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ record?: string }> }>;
    };
    const recorded = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.record).filter((r): r is string => !!r)));
    const used = new Set(dashboards.flatMap(({ dashboard }) => toExpressions(dashboard).flatMap((e) => parseMetricNames(toPromQl(e.expr)))));
    const usedRules = [...used].filter((n) => n.includes(':'));
    expect(usedRules.filter((n) => !recorded.has(n))).toEqual([]);
    expect(usedRules.length).toBeGreaterThanOrEqual(25);
  });
});

describe('dashboards > PromQL against a real Prometheus', () => {
  let prom: PrometheusHandle;
  beforeAll(async () => {
    prom = await startPrometheus({ configYaml: 'global: { scrape_interval: 15s }\nscrape_configs: []\n' });
  });
  afterAll(async () => {
    await prom?.stop();
  });

  const expressions = dashboards.flatMap(({ dashboard }) => toExpressions(dashboard));
  const variableQueries = dashboards.flatMap(({ dashboard }) =>
    (dashboard.templating?.list ?? []).flatMap((v) => {
      const q = toVariableQuery(v);
      const promql = q === undefined ? undefined : toVariablePromQl(q);
      return promql ? [{ dashboard: dashboard.uid, name: v.name, promql }] : [];
    }),
  );

  it('finds the expressions', () => {
    expect(expressions.length).toBeGreaterThanOrEqual(60);
    expect(variableQueries.length).toBe(7);
  });

  it('evaluates every panel expression without error', async () => {
    const errors: string[] = [];
    for (const e of expressions) {
      try {
        await prom.query(toPromQl(e.expr));
      } catch (err) {
        errors.push(`${e.dashboard} / ${e.panel} / ${e.refId}: ${(err as Error).message}`);
      }
    }
    expect(errors).toEqual([]);
  });

  it('evaluates every variable query without error', async () => {
    const errors: string[] = [];
    for (const v of variableQueries) {
      try {
        await prom.query(toPromQl(v.promql));
      } catch (err) {
        errors.push(`${v.dashboard} $${v.name}: ${(err as Error).message}`);
      }
    }
    expect(errors).toEqual([]);
  });

  it('rejects a broken expression (the check can fail)', async () => {
    await expect(prom.query(toPromQl('sum by (instance (rate(x[$__rate_interval]))'))).rejects.toThrow(/parse error/);
  });
});
