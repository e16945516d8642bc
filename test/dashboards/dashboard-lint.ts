/**
 * Pure checks over Grafana dashboard JSON (the files in dashboards/): where the panels, queries, variables
 * and datasources are, and how to turn a dashboard's PromQL into something a bare Prometheus evaluates.
 * No I/O except readDashboards.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARDS_DIR = join(__dirname, '..', '..', 'dashboards');

/** Panel types that ship with Grafana and that the pitower dashboards may use, plus our panel. */
export const ALLOWED_PANEL_TYPES = new Set(['row', 'timeseries', 'stat', 'gauge', 'table', 'bargauge', 'text', 'state-timeline', 'pitower-cluster-panel']);

/** Variables Grafana defines itself (global variables); never declared in `templating`. */
export const BUILTIN_VARIABLES = new Set([
  '__rate_interval',
  '__interval',
  '__interval_ms',
  '__range',
  '__range_s',
  '__range_ms',
  '__from',
  '__to',
  '__dashboard',
  '__name',
  '__org',
  '__user',
  '__timeFilter',
  'timeFilter',
  '__all',
]);

export interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: unknown;
  targets?: Array<{ expr?: string; refId?: string; datasource?: unknown; format?: string; instant?: boolean }>;
  options?: Record<string, unknown>;
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
  datasource?: unknown;
}

export interface Dashboard {
  uid: string;
  title: string;
  __inputs?: Array<{ name: string; type: string; pluginId: string }>;
  __requires?: Array<{ type: string; id: string }>;
  templating?: { list: Variable[] };
  panels: Panel[];
}

export function readDashboards(dir = DASHBOARDS_DIR): Array<{ file: string; text: string }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}

/** Every panel, rows' nested panels included, in document order. */
export function toPanels(dashboard: Dashboard): Panel[] {
  const out: Panel[] = [];
  const walk = (panels: Panel[] | undefined) => {
    for (const p of panels ?? []) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** The names of the variables used in `text`: `$name`, `${name}`, `${name:format}`, `[[name]]`. */
export function parseVariableReferences(text: string): string[] {
  const names = new Set<string>();
  const re = /\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)(?::[^\]]*)?\]\]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) names.add(m[1] ?? m[2] ?? m[3]);
  return [...names];
}

/** Used variables that are neither declared in `templating` nor Grafana built-ins nor `__inputs`. */
export function findUndefinedVariables(dashboard: Dashboard): string[] {
  const declared = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
  for (const input of dashboard.__inputs ?? []) declared.add(input.name);
  // `__inputs` and `__requires` describe the import itself; look for uses everywhere else.
  const { __inputs: _inputs, __requires: _requires, ...rest } = dashboard;
  return parseVariableReferences(JSON.stringify(rest)).filter((name) => !declared.has(name) && !BUILTIN_VARIABLES.has(name));
}

/** Every `datasource` value in the dashboard (panels, targets, variables, annotations), with where it is. */
export function findDatasources(dashboard: Dashboard): Array<{ where: string; value: unknown }> {
  const out: Array<{ where: string; value: unknown }> = [];
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}[${i}]`));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'datasource') out.push({ where: `${where}.datasource`, value });
        else walk(value, `${where}.${key}`);
      }
    }
  };
  walk(dashboard, '$');
  return out;
}

/**
 * Whether a datasource reference is the `${DS_PROMETHEUS}` input (or the DS_PROMETHEUS variable, which is
 * the same string) or Grafana's own annotation source.
 */
export function isPrometheusInput(value: unknown): boolean {
  if (value === '${DS_PROMETHEUS}') return true;
  if (!value || typeof value !== 'object') return false;
  const v = value as { type?: string; uid?: string };
  if (v.type === 'grafana' && v.uid === '-- Grafana --') return true;
  return v.type === 'prometheus' && v.uid === '${DS_PROMETHEUS}';
}

export interface Expression {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

/** Every PromQL expression of every panel target. */
export function toExpressions(dashboard: Dashboard): Expression[] {
  const out: Expression[] = [];
  for (const p of toPanels(dashboard)) {
    for (const t of p.targets ?? []) {
      if (t.expr) out.push({ dashboard: dashboard.uid, panel: p.title ?? String(p.id), refId: t.refId ?? '', expr: t.expr });
    }
  }
  return out;
}

/** The query of a `label_values(...)` / `query_result(...)` variable, or undefined for other variables. */
export function toVariableQuery(variable: Variable): string | undefined {
  if (variable.type !== 'query') return undefined;
  const q = variable.query;
  if (typeof q === 'string') return q;
  if (q && typeof q === 'object' && typeof (q as { query?: unknown }).query === 'string') return (q as { query: string }).query;
  return variable.definition;
}

/**
 * A variable query as PromQL a Prometheus can evaluate: `label_values(sel, label)` -> `count by (label) (sel)`,
 * `label_values(label)` -> undefined (no selector to check), `query_result(q)` -> `q`, `metrics(re)` -> undefined.
 */
export function toVariablePromQl(query: string): string | undefined {
  const q = query.trim();
  const lv = /^label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/s.exec(q);
  if (lv) return `count by (${lv[2]}) (${lv[1]})`;
  if (/^label_values\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/.test(q)) return undefined;
  const qr = /^query_result\((.*)\)$/s.exec(q);
  if (qr) return qr[1];
  return undefined;
}

/** Values used when a dashboard expression is sent to a Prometheus directly. */
export const DEFAULT_SUBSTITUTIONS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '5m',
  __range_s: '300',
  __range_ms: '300000',
  __interval_ms: '15000',
};

/**
 * Replaces Grafana variables with values a Prometheus accepts: built-in intervals by DEFAULT_SUBSTITUTIONS
 * (or `values`), every other variable (they all sit in `=~"..."` matchers) by `.*`.
 */
export function toPromQl(expr: string, values: Record<string, string> = {}): string {
  const all = { ...DEFAULT_SUBSTITUTIONS, ...values };
  return expr.replace(/\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)(?::[^\]]*)?\]\]/g, (_m, a, b, c) => {
    const name = (a ?? b ?? c) as string;
    return all[name] ?? '.*';
  });
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * Metric names (recording rule names included) an expression reads: identifiers outside label matchers,
 * strings and grouping clauses that are not function calls, keywords or durations.
 *
 *   sum by (instance) (rate(pitower_load_transactions_total{backend=~".*"}[1m]))  ->  [pitower_load_transactions_total]
 */
export function parseMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const names = new Set<string>();
  const re = /[A-Za-z_:][A-Za-z0-9_:]*/g;
  for (let m = re.exec(stripped); m; m = re.exec(stripped)) {
    const word = m[0];
    const after = stripped.slice(m.index + word.length);
    if (/^\s*(\(|(by|without)\b)/.test(after)) continue; // function call or aggregation
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    const before = stripped.slice(0, m.index);
    if (/[0-9.]$/.test(before)) continue; // the unit of a number/duration such as 1e3 or 5m
    names.add(word);
  }
  return [...names];
}
