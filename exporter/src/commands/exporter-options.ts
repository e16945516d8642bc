import { COLLECTORS } from '../collectors/registry';
import type { OptionSpec, OptionValues } from '../config/options';
import { DEFAULT_COLLECTOR_TIMEOUT_SECONDS } from '../collectors/runner';
import { DEFAULT_MAX_REQUESTS } from '../http/app';
import type { ExporterConfig } from '../http/server';
import { readWebConfig } from '../http/web-config';
import { parseDuration, parseInteger, parseListenAddress, type ListenAddress } from '../config/parse';

/** pitower's default port: free of Prometheus (9090), node_exporter (9100), mysqld_exporter (9104),
 * elasticsearch_exporter (9114), Grafana's 3000, 9243 and kafka_exporter (9308). */
export const DEFAULT_PORT = 9742;


export const EXPORTER_OPTIONS: OptionSpec[] = [
  {
    flag: 'web.listen-address',
    arg: '<address>',
    help: 'address to listen on for the web interface and telemetry',
    default: `:${DEFAULT_PORT}`,
    parse: parseListenAddress,
  },
  {
    flag: 'web.telemetry-path',
    arg: '<path>',
    help: 'path under which to expose metrics',
    default: '/metrics',
    parse: (raw) => {
      if (!/^\/[\w\-./]*$/.test(raw) || raw === '/') throw new Error(`"${raw}" must start with / and not be /`);
      if (['/-/healthy', '/-/ready'].includes(raw)) throw new Error(`"${raw}" is reserved`);
      return raw;
    },
  },
  {
    flag: 'web.config.file',
    arg: '<path>',
    help: 'TLS and basic auth, in the exporter-toolkit format node_exporter reads (tls_server_config, basic_auth_users); reread on SIGHUP',
  },
  {
    flag: 'web.max-requests',
    arg: '<n>',
    help: 'scrapes served at once; more are answered 503 at once (0 = no limit)',
    default: String(DEFAULT_MAX_REQUESTS),
    parse: (raw) => parseInteger(raw, 0, 100000),
  },
  { flag: 'path.sysfs', arg: '<dir>', help: 'sysfs mountpoint', default: '/sys' },
  { flag: 'path.procfs', arg: '<dir>', help: 'procfs mountpoint', default: '/proc' },
  { flag: 'log.level', arg: '<level>', help: 'only log messages at this level or above', default: 'info', choices: ['debug', 'info', 'warn', 'error'] },
  { flag: 'log.format', arg: '<format>', help: 'log output format', default: 'logfmt', choices: ['logfmt', 'json'] },
  {
    flag: 'collector.timeout',
    arg: '<duration>',
    help: 'deadline of each collector on a scrape (also kept under Prometheus\' scrape timeout): one that has not finished reports success 0 and the scrape answers without it',
    default: `${DEFAULT_COLLECTOR_TIMEOUT_SECONDS}s`,
    parse: (raw) => {
      const seconds = parseDuration(raw);
      if (seconds < 0.01 || seconds > 300) throw new Error(`"${raw}" must be between 10ms and 5m`);
      return seconds;
    },
  },
  ...COLLECTORS.map(
    (c): OptionSpec => ({ flag: `collector.${c.name}`, boolean: true, default: true, help: `enable the ${c.name} collector (${c.help})` }),
  ),
];


export function toExporterConfig(values: OptionValues): ExporterConfig {
  return {
    listenAddress: values.get('web.listen-address') as ListenAddress,
    telemetryPath: values.get('web.telemetry-path') as string,
    sysfs: values.get('path.sysfs') as string,
    procfs: values.get('path.procfs') as string,
    logLevel: values.get('log.level') as ExporterConfig['logLevel'],
    logFormat: values.get('log.format') as ExporterConfig['logFormat'],
    collectors: COLLECTORS.filter((c) => values.get(`collector.${c.name}`) !== false).map((c) => c.name),
    collectorTimeoutSeconds: values.get('collector.timeout') as number,
    maxRequests: values.get('web.max-requests') as number,
    webConfig: values.get('web.config.file') === undefined ? undefined : readWebConfig(values.get('web.config.file') as string),
  };
}
