import { Command, CommanderError } from 'commander';
import { registerDiagnoseCommand } from './commands/diagnose';
import { registerExporterCommand } from './commands/exporter';
import { registerLoadCommand } from './commands/load';
import { registerSinkCommand } from './commands/sink';
import { PitowerConfigError, PitowerConnectionError, errorMessage } from './errors';
import { VERSION } from './version';

/** The `pitower` program with every subcommand. Commander errors are thrown, not printed (see main). */
export function createProgram(): Command {
  const program = new Command('pitower')
    .description('Thermal, load-generator and Kafka metrics for Raspberry Pi clusters, for Prometheus and Grafana.')
    .version(VERSION, '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .showSuggestionAfterError(true);
  registerExporterCommand(program);
  registerLoadCommand(program);
  registerDiagnoseCommand(program);
  registerSinkCommand(program);
  return program;
}

/** Exit code for bad input: flags, config files, unreachable targets named on the command line. */
export const EXIT_USAGE = 2;

/**
 * Runs the command line. Resolves to true while a daemon keeps serving (`pitower exporter`), false when the
 * command is finished: bin/pitower.js then makes sure the process ends even if a client library left timers
 * behind (writes abandoned at a stalled Kafka broker keep kafkajs retrying).
 */
export async function main(argv: string[]): Promise<boolean> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return program.args[0] === 'exporter' || program.args[0] === 'sink';
  } catch (err) {
    process.exitCode = exitCodeFor(err);
    return false;
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') return EXIT_USAGE;
    process.stderr.write(`pitower: ${err.message.replace(/^error: /, '')}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof PitowerConfigError || err instanceof PitowerConnectionError) {
    process.stderr.write(`pitower: ${err.message}\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(`pitower: unexpected error: ${errorMessage(err)}\n`);
  if (process.env.PITOWER_DEBUG) console.error(err);
  return 1;
}
