import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { addCommandOptions, commandSource, resolveSchema, specsOf, text, toggle } from '../config/options';
import { prometheusUrlOption } from './diagnose';
import { formatVerdict } from '@pitower/diagnosis';
import { diagnoseFromPrometheus } from '../diagnosis/report';
import { errorMessage, PitowerConfigError, PitowerConnectionError } from '../errors';
import { loadSchema, toLoadConfig, type LoadConfig } from '../load/options';
import { runLoad, type RunResult } from '../load/run';
import type { SchedulerState } from '../load/scheduler';
import type { LoadSummary, RunStats } from '../load/stats';

/* eslint-disable @typescript-eslint/no-require-imports */
// Loaded by the action, not at registration: `pitower exporter` should not pay for hdr-histogram-js and cli-progress.
const loadStats = () => require('../load/stats') as typeof import('../load/stats');
const loadProgressBar = () => (require('cli-progress') as typeof import('cli-progress')).SingleBar;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Exit code of a run whose --audit could not read back what it wrote (the run itself is printed). */
export const EXIT_AUDIT_FAILED = 3;

/** Without --duration or --count, `pitower load` runs this long. */
export const DEFAULT_DURATION_SECONDS = 10;

/** The `--json` object / final table from a finished run. */
export function toLoadSummary(config: LoadConfig, stats: RunStats, result: RunResult, interrupted = false): LoadSummary {
  return {
    backend: config.backend,
    target: result.backend.target,
    producer: result.producer,
    mode: config.rate === undefined ? 'closed' : 'open',
    concurrency: config.concurrency,
    rate: config.rate ?? null,
    transactions: stats.transactions,
    errors: stats.errors,
    errorsByReason: stats.errorsByReason,
    seconds: result.seconds,
    tps: loadStats().toTps(stats.transactions, result.seconds),
    latency: stats.latency(),
    warmup: { transactions: stats.warmupTransactions, errors: stats.warmupErrors },
    interrupted,
    planned: { seconds: config.durationSeconds ?? null, count: config.count ?? null },
    ...(result.audit ? { audit: result.audit } : {}),
  };
}

/** Prometheus needs two scrapes inside a rate() window: a run shorter than this is diagnosed over the last minute. */
export const MIN_DIAGNOSIS_WINDOW_SECONDS = 60;

/** The window asked of Prometheus after a run: the run itself, widened backwards to at least a minute. Pure. */
export function toDiagnosisWindow(startedAt: Date, endedAt: Date): { start: Date; end: Date } {
  const start = Math.min(startedAt.getTime(), endedAt.getTime() - MIN_DIAGNOSIS_WINDOW_SECONDS * 1000);
  return { start: new Date(start), end: endedAt };
}

/** The options only `pitower load` has (the daemon has its own --path.sysfs). */
const LOAD_CLI_SCHEMA = {
  sysfs: text({ flag: 'path.sysfs', arg: '<dir>', help: 'sysfs mountpoint (the value of each reading is thermal_zone0)', default: '/sys' }),
  json: toggle({ flag: 'json', help: 'print one JSON object with the results on stdout instead of the table' }),
  prometheusUrl: prometheusUrlOption("after the run, ask this Prometheus for the bottleneck verdict of the run's window (as pitower diagnose)"),
};

/** `pitower load`: one load run in the foreground, a progress line on a TTY, a table or `--json` at the end. */
export function registerLoadCommand(program: Command): void {
  const schema = loadSchema('');
  const specs = specsOf(schema, LOAD_CLI_SCHEMA);
  const command = program
    .command('load')
    .description('write CPU-temperature readings to MySQL, Kafka, Cassandra or an MQTT broker as fast as asked, and report TPS and latency');
  addCommandOptions(command, specs);
  command.action(async (_opts, cmd: Command) => {
    const source = commandSource(cmd, specs);
    const cli = resolveSchema(LOAD_CLI_SCHEMA, source);
    const config = toLoadConfig(resolveSchema(schema, source), '', cli.sysfs);
    if (config.durationSeconds === undefined && config.count === undefined) config.durationSeconds = DEFAULT_DURATION_SECONDS;
    const json = cli.json;

    const { RunStats, formatSummaryTable } = loadStats();
    const stats = new RunStats();
    const controller = new AbortController();
    const onSignal = () => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const progress = !json && process.stderr.isTTY ? startProgress(stats, config) : undefined;

    let result: RunResult;
    try {
      result = await runLoad(config, { sinks: [stats], signal: controller.signal, onStart: (state) => progress?.begin(state) });
    } catch (err) {
      if (err instanceof PitowerConnectionError) throw new PitowerConfigError(err.message, { cause: err });
      throw err;
    } finally {
      progress?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const summary: LoadSummary & { diagnosis?: unknown } = toLoadSummary(config, stats, result, controller.signal.aborted);
    if (result.auditError) {
      // Asked for and not done: say so in the output and the exit code, not only on stderr.
      summary.audit = { error: result.auditError };
      process.stderr.write(`pitower: ${result.auditError}\n`);
      if (process.env.PITOWER_DEBUG) console.error(result.auditCause);
      process.exitCode = EXIT_AUDIT_FAILED;
    }
    const prometheus = cli.prometheusUrl;
    let verdictText = '';
    if (prometheus) {
      try {
        const verdict = await diagnoseFromPrometheus({ url: prometheus, ...toDiagnosisWindow(result.startedAt, result.endedAt) });
        summary.diagnosis = verdict;
        verdictText = `\n${formatVerdict(verdict)}`;
      } catch (err) {
        process.stderr.write(`pitower: warning: no diagnosis from --prometheus.url ${prometheus}: ${errorMessage(err).split('\n')[0]}\n`);
      }
    }
    process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${formatSummaryTable(summary)}\n${verdictText}`);
  });
}

/** A one-line cli-progress display on stderr, refreshed twice a second. */
function startProgress(stats: RunStats, config: LoadConfig): { begin(state: SchedulerState): void; stop(): void } {
  const { formatProgressLine } = loadStats();
  const SingleBar = loadProgressBar();
  const bar = new SingleBar({ format: '{line}', stream: process.stderr, hideCursor: false, clearOnComplete: true, linewrap: false });
  let timer: NodeJS.Timeout | undefined;
  bar.start(1, 0, { line: `connecting to ${config.backend} ...` });
  return {
    begin(state) {
      const endMs = config.durationSeconds === undefined ? undefined : state.measureFromMs + config.durationSeconds * 1000;
      // One column short of the terminal: a line exactly as wide wraps on some terminals.
      const width = () => (process.stderr.columns ? process.stderr.columns - 1 : Infinity);
      timer = setInterval(() => bar.update(0, { line: formatProgressLine(stats.snapshot(performance.now(), state.measureFromMs, endMs), width()) }), 500);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      bar.stop();
    },
  };
}
