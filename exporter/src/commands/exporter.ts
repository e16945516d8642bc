import type { Command } from 'commander';
import { COLLECTOR_SCHEMA, EXPORTER_SCHEMA, toExporterConfig } from './exporter-options';
import { addCommandOptions, commandSource, resolveSchema, specsOf, type OptionSource, type OptionSpec } from '../config/options';
import type { DaemonExtension } from '../daemon/extension';
import { DAEMON_MODULES } from './daemon-modules';
import { runExporter, type ExporterConfig } from '../http/server';

/** Every flag of `pitower exporter`: its own, the collectors' switches and each daemon module's. */
export function exporterOptionSpecs(): OptionSpec<unknown>[] {
  return [...specsOf(EXPORTER_SCHEMA, COLLECTOR_SCHEMA), ...DAEMON_MODULES.flatMap((m) => m.options)];
}

/** The daemon's settings and its enabled modules from one option source. Throws PitowerConfigError on bad input. */
export function resolveExporter(source: OptionSource): { config: ExporterConfig; extensions: DaemonExtension[] } {
  const config = toExporterConfig(resolveSchema(EXPORTER_SCHEMA, source), resolveSchema(COLLECTOR_SCHEMA, source));
  const extensions = DAEMON_MODULES.map((m) => m.create(source, { sysfs: config.sysfs })).filter((e): e is DaemonExtension => e !== undefined);
  return { config, extensions };
}

/** `pitower exporter`: the per-Pi daemon serving /metrics. */
export function registerExporterCommand(program: Command): void {
  const specs = exporterOptionSpecs();
  const command = program
    .command('exporter')
    .description('run the exporter daemon: thermal metrics, optional load generator and Kafka collector on /metrics');
  addCommandOptions(command, specs);
  command.action(async (_opts, cmd: Command) => {
    const { config, extensions } = resolveExporter(commandSource(cmd, specs));
    await runExporter(config, extensions);
  });
}
