import type { Command } from 'commander';
import { addCommandOptions, commandSource, resolveSchema, specsOf, value } from '../config/options';
import { parseListenAddress } from '../config/parse';
import { runExporter, type ExporterConfig } from '../http/server';
import { createSinkBackend, createSinkExtension } from '../sink/module';
import { sinkSchema, toSinkConfig } from '../sink/options';
import { DEFAULT_COLLECTOR_TIMEOUT_SECONDS } from '../collectors/runner';
import { DEFAULT_MAX_REQUESTS } from '../http/app';
import { EXPORTER_SCHEMA } from './exporter-options';

/** `pitower sink`'s default port: the exporter's (9742) + 1, so both run on one Pi. */
export const DEFAULT_SINK_PORT = 9743;

const SINK_CLI_SCHEMA = {
  listenAddress: value({ flag: 'web.listen-address', arg: '<address>', help: "address of the sink's /metrics", default: `:${DEFAULT_SINK_PORT}`, parse: parseListenAddress }),
  logLevel: EXPORTER_SCHEMA.logLevel,
  logFormat: EXPORTER_SCHEMA.logFormat,
};

/** `pitower sink`: readings from a Kafka topic into MySQL or Cassandra, exactly once in effect, with /metrics. */
export function registerSinkCommand(program: Command): void {
  const schema = sinkSchema('');
  const specs = specsOf(schema, SINK_CLI_SCHEMA);
  const command = program
    .command('sink')
    .description('consume readings from a Kafka topic and write them to MySQL or Cassandra (idempotent on producer and seq; offsets committed after each write); its TPS, batch latency, lag and errors on /metrics');
  addCommandOptions(command, specs);
  command.action(async (_opts, cmd: Command) => {
    const source = commandSource(cmd, specs);
    const cli = resolveSchema(SINK_CLI_SCHEMA, source);
    const config = toSinkConfig(resolveSchema(schema, source), '');
    // A database that cannot be reached is bad input here (exit 2 with one line), not something to retry.
    const probe = createSinkBackend(config);
    try {
      await probe.connect(Date.now() + config.connectTimeoutSeconds * 1000);
    } finally {
      await probe.close();
    }
    const exporter: ExporterConfig = {
      listenAddress: cli.listenAddress,
      telemetryPath: '/metrics',
      sysfs: '/sys',
      procfs: '/proc',
      logLevel: cli.logLevel,
      logFormat: cli.logFormat,
      collectors: [],
      collectorTimeoutSeconds: DEFAULT_COLLECTOR_TIMEOUT_SECONDS,
      maxRequests: DEFAULT_MAX_REQUESTS,
    };
    await runExporter(exporter, [createSinkExtension(config)]);
  });
}
