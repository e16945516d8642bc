import type { Command } from 'commander';
import { addCommandOptions, commandSource, resolveSchema, specsOf, toggle, value, type OptionSpec } from '../config/options';
import { positiveDuration } from '../config/parse';
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

/** `--prometheus.url`: the Prometheus a command asks for the verdict (`pitower diagnose`, `pitower load`). */
export function prometheusUrlOption(help: string, env?: string): OptionSpec<string | undefined> {
  return value({ flag: 'prometheus.url', arg: '<url>', help, env, parse: parsePrometheusUrl });
}

export const DIAGNOSE_SCHEMA = {
  prometheusUrl: prometheusUrlOption(
    'Prometheus base URL that scrapes node_exporter and pitower with a role label, e.g. http://localhost:9090',
    'PITOWER_PROMETHEUS_URL',
  ),
  // at least 1s: and several scrape intervals to be useful
  window: value({ flag: 'window', arg: '<duration>', help: 'judge the last <duration> (e.g. 30s, 5m, 1h)', default: '5m', parse: positiveDuration(1) }),
  timeout: value({ flag: 'prometheus.timeout', arg: '<duration>', help: 'timeout of each Prometheus query', default: '10s', parse: positiveDuration() }),
  json: toggle({ flag: 'json', help: 'print the verdict, host samples and skipped hosts as JSON' }),
};

/** `pitower diagnose`: the bottleneck verdict for the last --window, from Prometheus. */
export function registerDiagnoseCommand(program: Command): void {
  const command = program
    .command('diagnose')
    .description('ask Prometheus for the last --window and print where the bottleneck is (CPU, disk, heat, producer concurrency)');
  const specs = specsOf(DIAGNOSE_SCHEMA);
  addCommandOptions(command, specs);
  command.action(async (_opts, cmd: Command) => {
    const values = resolveSchema(DIAGNOSE_SCHEMA, commandSource(cmd, specs));
    const url = values.prometheusUrl;
    if (!url) throw new PitowerConfigError('--prometheus.url is required (or $PITOWER_PROMETHEUS_URL)');
    const windowSeconds = values.window;
    const end = new Date();
    const start = new Date(end.getTime() - windowSeconds * 1000);
    const diagnosis = await readDiagnosis({
      url,
      start,
      end,
      timeoutMs: Math.round(values.timeout * 1000),
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(diagnosis, null, 2)}\n`);
    } else {
      process.stdout.write(formatVerdict(diagnosis.verdict) + formatSkipped(diagnosis.skipped));
    }
  });
}
