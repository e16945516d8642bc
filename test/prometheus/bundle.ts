/**
 * Turns the shipped Prometheus bundle (prometheus/) into a test copy, and works out which recording rules
 * must yield series given the metrics a stack exposes. Pure: text in, text or names out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const BUNDLE_DIR = join(__dirname, '..', '..', 'prometheus');

export interface RecordingRule {
  record: string;
  expr: string;
}

interface RuleGroupsDoc {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string; for?: string }[] }[];
}

interface ScrapeConfigDoc {
  job_name: string;
  file_sd_configs?: { files: string[] }[];
  [key: string]: unknown;
}

interface PrometheusConfigDoc {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: ScrapeConfigDoc[];
}

export function readBundleFile(relativePath: string): string {
  return readFileSync(join(BUNDLE_DIR, relativePath), 'utf8');
}

/** A file_sd target group, as in prometheus/targets/pis.yml. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * The shipped prometheus.yml with test intervals and each job's file_sd list pointed at `targets/<job>.yml`
 * (so each job can get its own host:port targets); relabelling, rule files and everything else unchanged.
 * Returns the config text and the target files to write beside it.
 */
export function toTestConfig(
  shippedYaml: string,
  targetsByJob: Record<string, TargetGroup[]>,
  intervalSeconds: number,
): { configYaml: string; files: Record<string, string> } {
  const config = parse(shippedYaml) as PrometheusConfigDoc;
  const interval = `${intervalSeconds}s`;
  config.global = { ...config.global, scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval };
  const files: Record<string, string> = {};
  for (const job of config.scrape_configs) {
    if (!job.file_sd_configs) continue;
    const file = `targets/${job.job_name}.yml`;
    job.file_sd_configs = [{ files: [file] }];
    files[file] = stringify(targetsByJob[job.job_name] ?? []);
  }
  return { configYaml: stringify(config), files };
}

/** The alert rules with every `for:` replaced by `forDuration`, so pending -> firing fits in a test. */
export function toTestAlertRules(alertsYaml: string, forDuration: string): string {
  const doc = parse(alertsYaml) as RuleGroupsDoc;
  for (const group of doc.groups) {
    for (const rule of group.rules) if (rule.alert && rule.for) rule.for = forDuration;
  }
  return stringify(doc);
}

export function parseRecordingRules(recordsYaml: string): RecordingRule[] {
  const doc = parse(recordsYaml) as RuleGroupsDoc;
  return doc.groups.flatMap((g) => g.rules.filter((r) => r.record).map((r) => ({ record: r.record as string, expr: r.expr })));
}

export function parseAlertNames(alertsYaml: string): string[] {
  const doc = parse(alertsYaml) as RuleGroupsDoc;
  return doc.groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => r.alert as string));
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * Metric and recording-rule names a PromQL expression reads, e.g.
 *   `max by (instance, role) (rate(node_disk_io_time_seconds_total{device!~"ram.*"}[1m]))`
 *   -> ['node_disk_io_time_seconds_total'].
 * Label matchers, strings, ranges and grouping label lists are removed first; what is left and is
 * neither a function call, a keyword nor a number is a series name.
 */
export function toInputNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  const token = /[A-Za-z_:][A-Za-z0-9_:]*/g;
  for (let match = token.exec(stripped); match; match = token.exec(stripped)) {
    const name = match[0];
    const rest = stripped.slice(match.index + name.length);
    if (/^\s*\(/.test(rest)) continue; // a function call
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

/**
 * Recording rules that must yield series when the scraped stack exposes `presentMetrics`: those whose every
 * input is present, where an input that is itself a recording rule counts as present when that rule is
 * expected. (An `or` of alternatives is thus only expected when all alternatives exist: conservative.)
 */
export function toExpectedRecords(rules: RecordingRule[], presentMetrics: Iterable<string>): string[] {
  const present = new Set(presentMetrics);
  const byName = new Map(rules.map((r) => [r.record, r]));
  const memo = new Map<string, boolean>();
  const expected = (name: string, seen: Set<string>): boolean => {
    const rule = byName.get(name);
    if (!rule) return present.has(name);
    if (memo.has(name)) return memo.get(name) as boolean;
    if (seen.has(name)) return false; // a cycle: Prometheus would not evaluate it either
    const result = toInputNames(rule.expr).every((input) => expected(input, new Set([...seen, name])));
    memo.set(name, result);
    return result;
  };
  return rules.filter((r) => expected(r.record, new Set())).map((r) => r.record);
}
