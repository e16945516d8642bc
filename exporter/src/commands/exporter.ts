import type { Command } from 'commander';
import { EXPORTER_OPTIONS, toExporterConfig } from './exporter-options';
import { addCommandOptions, resolveCommandOptions, type OptionSpec } from '../config/options';
import type { DaemonExtension } from '../daemon/extension';
import { DAEMON_MODULES } from './daemon-modules';
import { runExporter } from '../http/server';

export function exporterOptionSpecs(): OptionSpec[] {
  return [...EXPORTER_OPTIONS, ...DAEMON_MODULES.flatMap((m) => m.options)];
}

/** `pitower exporter`: the per-Pi daemon serving /metrics. */
export function registerExporterCommand(program: Command): void {
  const specs = exporterOptionSpecs();
  const command = program
    .command('exporter')
    .description('run the exporter daemon: thermal metrics, optional load generator and Kafka collector on /metrics');
  addCommandOptions(command, specs);
  command.action(async (_opts, cmd: Command) => {
    const values = resolveCommandOptions(cmd, specs);
    const config = toExporterConfig(values);
    const extensions = DAEMON_MODULES.map((m) => m.create(values)).filter((e): e is DaemonExtension => e !== undefined);
    await runExporter(config, extensions);
  });
}
