import { COLLECTORS } from '../collectors/registry';
import { choice, text, toggle, value, type OptionSpec, type Values } from '../config/options';
import { DEFAULT_COLLECTOR_TIMEOUT_SECONDS } from '../collectors/runner';
import { DEFAULT_MAX_REQUESTS } from '../http/app';
import type { ExporterConfig } from '../http/server';
import { readWebConfig } from '../http/web-config';
import { parseInteger, parseListenAddress, positiveDuration } from '../config/parse';

/** pitower's default port: free of Prometheus (9090), node_exporter (9100), mysqld_exporter (9104),
 * elasticsearch_exporter (9114), Grafana's 3000, 9243 and kafka_exporter (9308). */
export const DEFAULT_PORT = 9742;


export const EXPORTER_SCHEMA = {
  listenAddress: value({
    flag: 'web.listen-address',
    arg: '<address>',
    help: 'address to listen on for the web interface and telemetry',
    default: `:${DEFAULT_PORT}`,
    parse: parseListenAddress,
  }),
  telemetryPath: value({
    flag: 'web.telemetry-path',
    arg: '<path>',
    help: 'path under which to expose metrics',
    default: '/metrics',
    parse: (raw) => {
      if (!/^\/[\w\-./]*$/.test(raw) || raw === '/') throw new Error(`"${raw}" must start with / and not be /`);
      if (['/-/healthy', '/-/ready'].includes(raw)) throw new Error(`"${raw}" is reserved`);
      return raw;
    },
  }),
  webConfig: value({
    flag: 'web.config.file',
    arg: '<path>',
    help: 'TLS and basic auth, in the exporter-toolkit format node_exporter reads (tls_server_config, basic_auth_users); reread on SIGHUP',
    parse: readWebConfig,
  }),
  maxRequests: value({
    flag: 'web.max-requests',
    arg: '<n>',
    help: 'scrapes served at once; more are answered 503 at once (0 = no limit)',
    default: String(DEFAULT_MAX_REQUESTS),
    parse: (raw) => parseInteger(raw, 0, 100000),
  }),
  sysfs: text({ flag: 'path.sysfs', arg: '<dir>', help: 'sysfs mountpoint', default: '/sys' }),
  procfs: text({ flag: 'path.procfs', arg: '<dir>', help: 'procfs mountpoint', default: '/proc' }),
  logLevel: choice({ flag: 'log.level', arg: '<level>', help: 'only log messages at this level or above', default: 'info', choices: ['debug', 'info', 'warn', 'error'] }),
  logFormat: choice({ flag: 'log.format', arg: '<format>', help: 'log output format', default: 'logfmt', choices: ['logfmt', 'json'] }),
  collectorTimeout: value({
    flag: 'collector.timeout',
    arg: '<duration>',
    help: "deadline of each collector on a scrape (also kept under Prometheus' scrape timeout): one that has not finished reports success 0 and the scrape answers without it",
    default: `${DEFAULT_COLLECTOR_TIMEOUT_SECONDS}s`,
    parse: positiveDuration(0.01, 300),
  }),
};

/** `--collector.<name>` (on by default, `--no-collector.<name>` turns it off), node_exporter's way. */
export const COLLECTOR_SCHEMA: Readonly<Record<string, OptionSpec<boolean>>> = Object.fromEntries(
  COLLECTORS.map((c) => [c.name, toggle({ flag: `collector.${c.name}`, default: true, help: `enable the ${c.name} collector (${c.help})` })]),
);

export function toExporterConfig(values: Values<typeof EXPORTER_SCHEMA>, collectors: Values<typeof COLLECTOR_SCHEMA>): ExporterConfig {
  const { collectorTimeout, ...rest } = values;
  return { ...rest, collectorTimeoutSeconds: collectorTimeout, collectors: COLLECTORS.filter((c) => collectors[c.name] !== false).map((c) => c.name) };
}
