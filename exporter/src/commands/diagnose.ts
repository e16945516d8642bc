import type { Command } from 'commander';
import { addCommandOptions, resolveCommandOptions, type OptionSpec } from '../config/options';
import { parseDuration } from '../config/parse';
import { formatSkipped, formatVerdict } from '@pitower/diagnosis';
import { readDiagnosis } from '../diagnosis/report';
import { PitowerConfigError } from '../errors';

/** http(s) URL of a Prometheus server (a path prefix is kept). Pure; throws with the reason. */
export function parsePrometheusUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`invalid URL "${raw}": expected e.g. http://localhost:9090`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`invalid URL "${raw}": only http and https are supported`);
  }
  if (url.search || url.hash) throw new Error(`invalid URL "${raw}": no query string or fragment, just the base URL`);
  return url.toString().replace(/\/+$/, '');
}

function parsePositiveDuration(raw: string): number {
  const seconds = parseDuration(raw);
  if (!(seconds >= 1)) throw new Error(`"${raw}" is too short: at least 1s (and several scrape intervals to be useful)`);
  return seconds;
}

function parseTimeout(raw: string): number {
  const seconds = parseDuration(raw);
  if (!(seconds > 0)) throw new Error(`"${raw}" must be positive`);
  return seconds;
}

/** `--prometheus.url`, shared with other commands that ask Prometheus (e.g. `pitower load`). */
export const PROMETHEUS_URL_OPTION: OptionSpec = {
  flag: 'prometheus.url',
  arg: '<url>',
  help: 'Prometheus base URL that scrapes node_exporter and pitower with a role label, e.g. http://localhost:9090',
  env: 'PITOWER_PROMETHEUS_URL',
  parse: parsePrometheusUrl,
};

export const DIAGNOSE_OPTIONS: OptionSpec[] = [
  PROMETHEUS_URL_OPTION,
  { flag: 'window', arg: '<duration>', help: 'judge the last <duration> (e.g. 30s, 5m, 1h)', default: '5m', parse: parsePositiveDuration },
  { flag: 'prometheus.timeout', arg: '<duration>', help: 'timeout of each Prometheus query', default: '10s', parse: parseTimeout },
  { flag: 'json', boolean: true, help: 'print the verdict, host samples and skipped hosts as JSON' },
];

/** `pitower diagnose`: the bottleneck verdict for the last --window, from Prometheus. */
export function registerDiagnoseCommand(program: Command): void {
  const command = program
    .command('diagnose')
    .description('ask Prometheus for the last --window and print where the bottleneck is (CPU, disk, heat, producer concurrency)');
  addCommandOptions(command, DIAGNOSE_OPTIONS);
  command.action(async (_opts, cmd: Command) => {
    const values = resolveCommandOptions(cmd, DIAGNOSE_OPTIONS);
    const url = values.get('prometheus.url') as string | undefined;
    if (!url) throw new PitowerConfigError('--prometheus.url is required (or $PITOWER_PROMETHEUS_URL)');
    const windowSeconds = values.get('window') as number;
    const end = new Date();
    const start = new Date(end.getTime() - windowSeconds * 1000);
    const diagnosis = await readDiagnosis({
      url,
      start,
      end,
      timeoutMs: Math.round((values.get('prometheus.timeout') as number) * 1000),
    });
    if (values.get('json')) {
      process.stdout.write(`${JSON.stringify(diagnosis, null, 2)}\n`);
    } else {
      process.stdout.write(formatVerdict(diagnosis.verdict) + formatSkipped(diagnosis.skipped));
    }
  });
}
