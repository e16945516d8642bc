/**
 * `npm run demo [-- flags]`: a whole pitower lab on this machine with one command.
 *
 *   - a real Apache Kafka cluster, 3 KRaft nodes (test/lab/kafka.ts: jars from Maven Central, cached after
 *     the first run), when java and mvn are installed;
 *   - MariaDB (test/support/mariadb.ts: a throw-away datadir) when mariadb-server is installed;
 *   - "Pis" on loopback addresses 127.0.0.1-4, each a pitower exporter (fixture sysfs trees, so the
 *     temperatures and throttling bits are a real Pi's) and a node_exporter when installed:
 *       127.0.0.1 producer  load generator -> Kafka (or the null backend without Kafka)
 *       127.0.0.2 broker    Kafka collector on the Kafka cluster
 *       127.0.0.3 database  (with MariaDB)
 *       127.0.0.4 producer  load generator -> MariaDB (with MariaDB)
 *   - Prometheus with the shipped prometheus/prometheus.yml and rules (a temp copy whose file_sd targets
 *     point at the ports above).
 *
 * It prints the URLs and runs until Ctrl-C (or --duration), then stops every process it started and removes
 * its temp dir. `--scenario failover` SIGKILLs Kafka broker 2 after --failover-after (default 1m): its
 * partitions move to the next replica, it leaves every ISR, and the orders partitions on it (2 replicas,
 * min.insync.replicas 2) drop below their minimum, so the leadership grid, ISR, broker-up and leader-change
 * panels and the producers' errors react. It restarts the broker --recover-after later.
 *
 * Runs the built CLI (exporter/dist) and, without a build of scripts/, itself and the lab's TypeScript
 * through scripts/ts-require.js: `node -r ./scripts/ts-require.js scripts/demo.ts`. `npm test` type-checks
 * it (`tsc -p scripts`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { startKafkaLab, type KafkaLab } from '../test/lab/kafka';
import { PITOWER_BIN } from '../test/support/exporter-process';
import { startMariaDb } from '../test/support/mariadb';
import { freePort } from '../test/support/server-process';

const ROOT = join(__dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');
const TS_REQUIRE = join(__dirname, 'ts-require.js');

const USAGE = `usage: npm run demo -- [options]

  --scenario <name>          steady (default) or failover
  --failover-after <dur>     failover: when broker 2 goes down (default 1m)
  --recover-after <dur>      failover: how long broker 2 stays down (default 2m)
  --duration <dur>           stop after this long (default: run until Ctrl-C)
  --scrape-interval <dur>    Prometheus scrape and rule interval (default 5s)
  --prometheus-port <port>   Prometheus port (default 9090; 0 = any free port; a busy port falls back to any)
  --load-rate <n>            readings per second of each load generator (default 50)
  --no-kafka                 do not start the Kafka cluster
  --no-mariadb               do not start MariaDB
  --state-file <path>        write the URLs and process ids as JSON once everything is up (for tests)
  -h, --help                 this text

Durations: 500ms, 10s, 2m, 1h.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

const SCENARIOS = ['steady', 'failover'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface DemoOptions {
  help: boolean;
  scenario: Scenario;
  failoverAfterMs: number;
  recoverAfterMs: number;
  durationMs: number | undefined;
  scrapeSeconds: number;
  prometheusPort: number;
  loadRate: number;
  kafka: boolean;
  mariadb: boolean;
  stateFile: string | undefined;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "10s" -> 10000 (ms). */
export function parseDurationMs(raw: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw.trim());
  if (!m) throw new UsageError(`--${flag}: "${raw}" is not a duration like 30s, 2m or 500ms`);
  const ms = Number(m[1]) * DURATION_UNITS_MS[m[2]];
  if (ms <= 0) throw new UsageError(`--${flag}: must be positive, got "${raw}"`);
  return ms;
}

const isScenario = (name: string): name is Scenario => (SCENARIOS as readonly string[]).includes(name);

export function parseOptions(argv: string[]): DemoOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string', default: 'steady' },
        'failover-after': { type: 'string', default: '1m' },
        'recover-after': { type: 'string', default: '2m' },
        duration: { type: 'string' },
        'scrape-interval': { type: 'string', default: '5s' },
        'prometheus-port': { type: 'string', default: '9090' },
        'load-rate': { type: 'string', default: '50' },
        'no-kafka': { type: 'boolean', default: false },
        'no-mariadb': { type: 'boolean', default: false },
        'state-file': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(messageOf(err).split('\n')[0]);
  }
  const v = parsed.values;
  if (!isScenario(v.scenario)) throw new UsageError(`--scenario: "${v.scenario}" is not one of ${SCENARIOS.join(', ')}`);
  const port = Number(v['prometheus-port']);
  if (!/^\d+$/.test(v['prometheus-port']) || port > 65535) throw new UsageError(`--prometheus-port: "${v['prometheus-port']}" is not a port number`);
  const rate = Number(v['load-rate']);
  if (!Number.isFinite(rate) || rate <= 0) throw new UsageError(`--load-rate: "${v['load-rate']}" is not a positive number`);
  const scrapeMs = parseDurationMs(v['scrape-interval'], 'scrape-interval');
  if (scrapeMs < 1000 || scrapeMs % 1000 !== 0) throw new UsageError(`--scrape-interval: use whole seconds, at least 1s`);
  return {
    help: v.help,
    scenario: v.scenario,
    failoverAfterMs: parseDurationMs(v['failover-after'], 'failover-after'),
    recoverAfterMs: parseDurationMs(v['recover-after'], 'recover-after'),
    durationMs: v.duration === undefined ? undefined : parseDurationMs(v.duration, 'duration'),
    scrapeSeconds: scrapeMs / 1000,
    prometheusPort: port,
    loadRate: rate,
    kafka: !v['no-kafka'],
    mariadb: !v['no-mariadb'],
    stateFile: v['state-file'],
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------- processes

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child the demo started and stops: its output is in `logFile`. */
interface Supervised {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: boolean;
  exit: Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL after this long. */
  stopGraceMs: number;
}

interface StartOptions {
  logDir: string;
  /** A pipe for the caller to read stdout from (stderr still goes to the log). */
  pipeStdout?: boolean;
  stopGraceMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every child we started, newest last; stopped in reverse order. */
const children: Supervised[] = [];
let stopping = false;
let onUnexpectedExit: (entry: Supervised, status: ExitStatus) => void = () => undefined;

function which(...names: string[]): string | undefined {
  for (const name of names) {
    if (name.includes('/')) {
      if (existsSync(name)) return name;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(':')) {
      const p = join(dir, name);
      if (dir && existsSync(p)) return p;
    }
  }
  return undefined;
}

/** Spawns a child whose stdout+stderr go to `<logDir>/<name>.log` (stdout piped instead with `pipeStdout`). */
function start(name: string, command: string, args: string[], { logDir, pipeStdout = false, stopGraceMs = 5000 }: StartOptions): Supervised {
  const logFile = join(logDir, `${name}.log`);
  const log = openSync(logFile, 'a');
  // detached: a process group of its own, so Ctrl-C in the terminal (SIGINT to the foreground group) reaches
  // only this script, which then stops the children in order instead of racing them.
  const child = spawn(command, args, { stdio: ['ignore', pipeStdout ? 'pipe' : log, log], cwd: logDir, detached: true });
  closeSync(log);
  let exited: (status: ExitStatus) => void = () => undefined;
  const entry: Supervised = { name, child, logFile, exited: false, exit: new Promise((resolve) => (exited = resolve)), stopGraceMs };
  const done = (status: ExitStatus) => {
    if (entry.exited) return;
    entry.exited = true;
    exited(status);
    if (!stopping) onUnexpectedExit(entry, status);
  };
  child.once('exit', (code, signal) => done({ code, signal }));
  child.once('error', (err) => {
    appendFileSync(logFile, `spawn error: ${err.message}\n`);
    done({ code: -1, signal: null });
  });
  children.push(entry);
  return entry;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Run after the children stopped: the Kafka lab (so the exporters' collectors do not lose it while shutting
 * down) and the MariaDB temp dir.
 */
const finalStops: Array<() => Promise<void>> = [];

/** `promise`, abandoned after `ms` (a Kafka client disconnecting from a dead broker can hang). */
function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

async function stopAll(): Promise<void> {
  stopping = true;
  // All at once: each gets its own grace period, so the whole stop takes the longest one, not their sum.
  await Promise.all(
    [...children].reverse().map(async (entry) => {
      if (entry.exited) return;
      entry.child.kill('SIGTERM');
      const timer = setTimeout(() => entry.child.kill('SIGKILL'), entry.stopGraceMs);
      await entry.exit;
      clearTimeout(timer);
    }),
  );
  for (const stop of finalStops) await within(Promise.resolve().then(stop), 5000).catch(() => undefined);
}

function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Polls `check` until it gives a value (not undefined or false); fails early when `entry` exits. */
async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, entry?: Supervised): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (entry?.exited) throw new Error(`${what}: the process exited:\n${tail(entry.logFile)}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${entry ? `:\n${tail(entry.logFile)}` : ''}`);
    await sleep(200);
  }
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

// ---------------------------------------------------------------- components

const KAFKA_MIN_ISR = 2;
const CONSUMER_GROUP = 'dashboard-readers';
const KAFKA_BROKERS = 3;
/** Preferred leader of a partition: round robin over brokers 1..3, the other replicas following. */
const leaderOf = (partition: number) => (partition % KAFKA_BROKERS) + 1;
const rotation = (partition: number, replicas: number) => Array.from({ length: replicas }, (_, k) => ((partition + k) % KAFKA_BROKERS) + 1);

interface DemoTopic {
  name: string;
  partitions: number;
  replicas: number;
}

/** orders has 2 replicas and min.insync.replicas 2: one broker down leaves some of it below its minimum. */
const KAFKA_TOPICS: DemoTopic[] = [
  { name: 'temperature', partitions: 6, replicas: 3 },
  { name: 'orders', partitions: 3, replicas: 2 },
];

/** The real-Kafka lab (test/lab/kafka.ts), or undefined with a note when java/mvn are missing. */
async function startKafka(notes: string[]): Promise<KafkaLab | undefined> {
  if (!which('java') || !which('javac') || !which('mvn')) {
    notes.push('no Kafka cluster: needs a JDK and Maven (apt-get install default-jdk-headless maven)');
    return undefined;
  }
  const lab = await startKafkaLab();
  finalStops.push(() => lab.stop());
  for (const t of KAFKA_TOPICS) {
    await lab.createTopic(t.name, {
      assignment: Array.from({ length: t.partitions }, (_, p) => rotation(p, t.replicas)),
      configs: { 'min.insync.replicas': String(KAFKA_MIN_ISR) },
    });
  }
  return lab;
}

/**
 * A consumer group reading `temperature` at `perSecond` messages/s, committing every 2 s: the lag panel's
 * data. A child process (scripts/demo-consumer.ts), stopped with the others; resolves once it joined.
 */
async function startSlowConsumer(bootstrap: string[], perSecond: number, logDir: string): Promise<Supervised> {
  const entry = start(
    'consumer',
    process.execPath,
    ['-r', TS_REQUIRE, join(__dirname, 'demo-consumer.ts'), CONSUMER_GROUP, 'temperature', String(perSecond), bootstrap.join(',')],
    { logDir, pipeStdout: true },
  );
  const stdout = entry.child.stdout;
  if (!stdout) throw new Error('no stdout pipe');
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not joined within 60 s: ${tail(entry.logFile, 3)}`)), 60_000);
    stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`joined ${CONSUMER_GROUP}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void entry.exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before joining: ${tail(entry.logFile, 3)}`));
    });
  });
  stdout.resume();
  return entry;
}

interface DemoMariaDb {
  /** With the password, for the load generator. */
  url: string;
  /** Without it, for the printout and the state file. */
  safeUrl: string;
}

/** MariaDB (test/support/mariadb.ts) as one of the demo's children, or undefined when it is not installed. */
async function startDemoMariaDb(logDir: string): Promise<DemoMariaDb | undefined> {
  if (!which('/usr/sbin/mariadbd', '/usr/sbin/mysqld') || !which('mariadb-install-db')) return undefined;
  const logFile = join(logDir, 'mariadb.log');
  const db = await startMariaDb({ errorLog: logFile, spawn: (bin, args) => start('mariadb', bin, args, { logDir, stopGraceMs: 20_000 }).child });
  finalStops.push(() => db.destroy());
  await db.createDatabase('lab');
  return { url: db.url('lab'), safeUrl: db.url('lab', false) };
}

/** Which optional modules the built exporter has (the flags of `pitower exporter --help`). */
interface ExporterModules {
  load: boolean;
  loadRate: boolean;
  kafka: boolean;
  kafkaInterval: boolean;
  kafkaOffsetsInterval: boolean;
}

function detectExporterModules(): ExporterModules {
  const help = spawnSync(process.execPath, [PITOWER_BIN, 'exporter', '--help'], { encoding: 'utf8', timeout: 15_000 });
  if (help.status !== 0) throw new Error(`pitower exporter --help failed (run npm run build first?):\n${help.stderr}`);
  const has = (flag: string) => new RegExp(`(^|\\s)${flag.replace(/\./g, '\\.')}\\b`, 'm').test(help.stdout);
  return {
    load: has('--load.backend'),
    loadRate: has('--load.rate'),
    kafka: has('--kafka.server'),
    kafkaInterval: has('--kafka.metadata-interval'),
    kafkaOffsetsInterval: has('--kafka.offsets-interval'),
  };
}

/** A started exporter: its base URL and `host:port` for Prometheus. */
interface Endpoint {
  entry: Supervised;
  url: string;
  target: string;
}

async function startExporter(name: string, host: string, args: string[], logDir: string): Promise<Endpoint> {
  const entry = start(name, process.execPath, [PITOWER_BIN, 'exporter', `--web.listen-address=${host}:0`, '--log.format=json', ...args], { logDir });
  const url = await waitFor(`pitower exporter ${name}`, () => /"address":"(http:\/\/[^"]+)"/.exec(readFileSync(entry.logFile, 'utf8'))?.[1], 20_000, entry);
  return { entry, url, target: url.replace(/^http:\/\//, '') };
}

/** node_exporter with its default collectors on the Pi's own address, or undefined when not installed. */
async function startNodeExporter(name: string, host: string, logDir: string): Promise<Endpoint | undefined> {
  const binary = which('prometheus-node-exporter', 'node_exporter');
  if (!binary) return undefined;
  const port = await freePort(host);
  const entry = start(name, binary, [`--web.listen-address=${host}:${port}`], { logDir });
  await waitFor(`node_exporter ${name}`, () => httpOk(`http://${host}:${port}/metrics`), 20_000, entry);
  return { entry, url: `http://${host}:${port}`, target: `${host}:${port}` };
}

/** The parts of prometheus.yml the demo reads or rewrites; every other key is kept as it is. */
interface PrometheusConfig {
  global?: Record<string, unknown>;
  scrape_configs: Array<{ job_name: string; file_sd_configs?: unknown }>;
}

/**
 * The shipped prometheus.yml with each job reading its own file_sd list (targets/<job>.yml: the demo's
 * exporters listen on ephemeral ports, and the shipped jobs share one list of bare host names) and the
 * intervals set to the demo's. Everything else (relabelling, rule files) is the shipped file.
 */
export function toDemoPrometheusConfig(shippedYaml: string, scrapeSeconds: number): string {
  const config = parseYaml(shippedYaml) as PrometheusConfig;
  config.global = {
    ...config.global,
    scrape_interval: `${scrapeSeconds}s`,
    scrape_timeout: `${Math.min(10, scrapeSeconds)}s`,
    evaluation_interval: `${scrapeSeconds}s`,
  };
  for (const job of config.scrape_configs) job.file_sd_configs = [{ files: [`targets/${job.job_name}.yml`] }];
  return toYaml(config);
}

/** A file_sd target: a Pi's exporter and its role label. */
interface Target {
  role: string;
  target: string;
}

async function startPrometheus(dir: string, logDir: string, options: DemoOptions, targets: Record<string, Target[]>): Promise<Endpoint> {
  const binary = which('prometheus');
  if (!binary) throw new Error('prometheus not found: install the Debian package prometheus (scripts/provision.sh does)');
  const shipped = join(ROOT, 'prometheus');
  mkdirSync(join(dir, 'targets'), { recursive: true });
  cpSync(join(shipped, 'rules'), join(dir, 'rules'), { recursive: true });
  const config = toDemoPrometheusConfig(readFileSync(join(shipped, 'prometheus.yml'), 'utf8'), options.scrapeSeconds);
  writeFileSync(join(dir, 'prometheus.yml'), config);
  for (const { job_name: job } of (parseYaml(config) as PrometheusConfig).scrape_configs) {
    const groups = (targets[job] ?? []).map((t) => ({ labels: { role: t.role }, targets: [t.target] }));
    writeFileSync(join(dir, 'targets', `${job}.yml`), groups.length ? toYaml(groups) : '[]\n');
  }
  let port = options.prometheusPort;
  if (port === 0 || !(await portIsFree(port))) port = await freePort();
  const entry = start(
    'prometheus',
    binary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { logDir },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus', () => httpOk(`${url}/-/ready`), 30_000, entry);
  return { entry, url, target: `127.0.0.1:${port}` };
}

// ---------------------------------------------------------------- main

type Role = 'producer' | 'broker' | 'database';
type LoadBackend = 'kafka' | 'null' | 'mysql';

interface Pi {
  name: string;
  host: string;
  role: Role;
  /** Fixture trees under test/fixtures/{sysfs,procfs}/. */
  fixture: 'pi4' | 'pi5';
  args: string[];
  /** Where its load generator writes, if it runs one. */
  backend?: LoadBackend;
}

interface RunningPi extends Pi {
  exporter: Endpoint;
  node: Endpoint | undefined;
}

/** What --state-file holds (test/dashboards/demo.test.ts reads it). */
export interface DemoState {
  dir: string;
  prometheus: string;
  pids: Array<{ name: string; pid: number }>;
  pis: Array<{ name: string; host: string; role: Role; pitower: string; node?: string; backend?: LoadBackend }>;
  kafka?: { version: string; bootstrap: string[]; pids: number[]; topics: DemoTopic[]; consumerGroup?: string };
  mariadb?: { url: string };
  modules: ExporterModules;
  scenario: Scenario;
  failedOver: boolean;
  recovered: boolean;
  notes: string[];
}

async function main(): Promise<void> {
  let options: DemoOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`demo: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!existsSync(join(ROOT, 'exporter', 'dist', 'cli.js'))) {
    process.stderr.write('demo: exporter/dist is missing: run `npm run build` first\n');
    process.exit(2);
  }

  process.on('exit', () => {
    for (const entry of children) if (!entry.exited) entry.child.kill('SIGKILL');
  });
  const dir = mkdtempSync(join(tmpdir(), 'pitower-demo-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const notes: string[] = [];
  let exitCode = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  onUnexpectedExit = (entry, { code, signal }) => {
    process.stderr.write(`demo: ${entry.name} exited unexpectedly (${code ?? signal}); stopping. Last log lines:\n${tail(entry.logFile)}\n`);
    exitCode = 1;
    finish();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    say(`\ndemo: ${signal}, stopping`);
    finish();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const timers: NodeJS.Timeout[] = [];
  try {
    const modules = detectExporterModules();
    if (!modules.load) notes.push('the load generator is not registered in this build of `pitower exporter`: no load, TPS panels stay empty');
    if (!modules.kafka) notes.push('the Kafka collector is not registered in this build of `pitower exporter`: Kafka panels stay empty');

    say(`demo: starting (logs in ${logDir})`);
    // MariaDB's install-db takes seconds: run it while Kafka comes up.
    const mariadbStarting = options.mariadb ? startDemoMariaDb(logDir) : Promise.resolve(undefined);
    mariadbStarting.catch(() => undefined); // awaited below; keeps an early Kafka failure from leaving it unhandled
    const kafka = options.kafka ? await startKafka(notes) : undefined;
    const consumerRate = Math.max(1, options.loadRate / 2);
    let consumer: Supervised | undefined;
    // The consumer group joins in the background (a few seconds) while the rest starts.
    const consumerStarting = kafka
      ? startSlowConsumer(kafka.bootstrap, consumerRate, logDir).then(
          (c) => {
            consumer = c;
          },
          (err: unknown) => {
            notes.push(`no consumer group (${messageOf(err)}): the consumer lag panel stays empty`);
          },
        )
      : Promise.resolve();
    const mariadb = await mariadbStarting;
    if (options.mariadb && !mariadb) notes.push('no MariaDB: install mariadb-server');

    const loadArgs = (backend: LoadBackend, extra: string[]) =>
      modules.load ? ['--load.backend', backend, ...(modules.loadRate ? ['--load.rate', String(options.loadRate)] : []), ...extra] : [];
    const kafkaLoad = kafka && modules.load ? loadArgs('kafka', kafka.bootstrap.flatMap((b) => ['--load.kafka.server', b])) : loadArgs('null', []);
    const pis: Pi[] = [
      { name: 'producer-1', host: '127.0.0.1', role: 'producer', fixture: 'pi4', args: kafkaLoad, backend: modules.load ? (kafka ? 'kafka' : 'null') : undefined },
      {
        name: 'broker-1',
        host: '127.0.0.2',
        role: 'broker',
        fixture: 'pi5',
        args:
          kafka && modules.kafka
            ? [
                ...kafka.bootstrap.flatMap((b) => ['--kafka.server', b]),
                ...(modules.kafkaInterval ? ['--kafka.metadata-interval', `${Math.min(5, options.scrapeSeconds)}s`] : []),
                ...(modules.kafkaOffsetsInterval ? ['--kafka.offsets-interval', `${Math.min(15, options.scrapeSeconds)}s`] : []),
              ]
            : [],
      },
    ];
    if (mariadb) {
      pis.push({ name: 'database-1', host: '127.0.0.3', role: 'database', fixture: 'pi4', args: [] });
      if (modules.load) pis.push({ name: 'producer-2', host: '127.0.0.4', role: 'producer', fixture: 'pi4', args: loadArgs('mysql', ['--load.mysql.url', mariadb.url]), backend: 'mysql' });
    }

    const running: RunningPi[] = await Promise.all(
      pis.map(async (pi) => {
        const procfs = join(FIXTURES, 'procfs', pi.fixture);
        const fixtureArgs = ['--path.sysfs', join(FIXTURES, 'sysfs', pi.fixture), ...(existsSync(procfs) ? ['--path.procfs', procfs] : [])];
        const [exporter, node] = await Promise.all([
          startExporter(`pitower-${pi.name}`, pi.host, [...fixtureArgs, ...pi.args], logDir),
          startNodeExporter(`node-${pi.name}`, pi.host, logDir),
        ]);
        return { ...pi, exporter, node };
      }),
    );
    const targets: Record<string, Target[]> = {
      pitower: running.map((pi) => ({ role: pi.role, target: pi.exporter.target })),
      node: running.flatMap((pi) => (pi.node ? [{ role: pi.role, target: pi.node.target }] : [])),
      mysqld: [],
    };
    if (targets.node.length < running.length) notes.push('no node_exporter: install prometheus-node-exporter (CPU and disk panels stay empty)');
    const prometheus = await startPrometheus(join(dir, 'prometheus'), logDir, options, targets);
    await consumerStarting;
    const expectedUp = targets.pitower.length + targets.node.length;
    await waitFor(
      'all scrape targets up',
      async () => {
        const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('sum(up)')}`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { data?: { result?: Array<{ value?: [number, string] }> } };
        return Number(body.data?.result?.[0]?.value?.[1] ?? 0) === expectedUp;
      },
      30_000,
      prometheus.entry,
    );

    say('');
    say('pitower demo is up');
    say(`  Prometheus       ${prometheus.url}   (targets: ${prometheus.url}/targets, alerts: ${prometheus.url}/alerts)`);
    for (const pi of running) {
      const what = pi.backend ? `load -> ${pi.backend}` : pi.role === 'broker' && kafka && modules.kafka ? 'Kafka collector' : 'thermal only';
      say(`  ${pi.name.padEnd(16)} ${pi.role.padEnd(9)} pitower ${pi.exporter.url}/metrics (${what})${pi.node ? `, node_exporter ${pi.node.url}/metrics` : ''}`);
    }
    if (kafka) {
      say(`  Kafka ${kafka.version.padEnd(10)} ${kafka.bootstrap.join(',')}   3 KRaft nodes, topics ${KAFKA_TOPICS.map((t) => `${t.name} (${t.partitions} x RF ${t.replicas})`).join(', ')}, min.insync.replicas ${KAFKA_MIN_ISR}`);
      say(`                   node PIDs ${kafka.nodes.map((n) => `${n.id}:${n.pid()}`).join(' ')}, logs ${join(kafka.dir, 'node-N', 'node.log')}`);
    }
    if (consumer) say(`  consumer group   ${CONSUMER_GROUP} reading temperature at ${consumerRate}/s (lag grows)`);
    if (mariadb) say(`  MariaDB          ${mariadb.safeUrl}`);
    say('');
    say('  Grafana: add a Prometheus datasource with the URL above, install grafana-plugin/dist as');
    say('  pitower-cluster-panel and import dashboards/*.json (see dashboards/README.md).');
    for (const note of notes) say(`  note: ${note}`);
    say(`  ${options.durationMs ? `stopping after ${options.durationMs / 1000} s; ` : ''}Ctrl-C stops everything.`);

    const state: DemoState = {
      dir,
      prometheus: prometheus.url,
      pids: children.flatMap((c) => (c.child.pid === undefined ? [] : [{ name: c.name, pid: c.child.pid }])),
      pis: running.map((p) => ({ name: p.name, host: p.host, role: p.role, pitower: p.exporter.url, node: p.node?.url, backend: p.backend })),
      kafka: kafka
        ? { version: kafka.version, bootstrap: kafka.bootstrap, pids: kafka.nodes.flatMap((n) => n.pid() ?? []), topics: KAFKA_TOPICS, consumerGroup: consumer ? CONSUMER_GROUP : undefined }
        : undefined,
      mariadb: mariadb ? { url: mariadb.safeUrl } : undefined,
      modules,
      scenario: options.scenario,
      failedOver: false,
      recovered: false,
      notes,
    };
    const stateFile = options.stateFile;
    const writeState = (update: Partial<DemoState>) => {
      Object.assign(state, update);
      if (!stateFile) return;
      const tmp = `${stateFile}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
      renameSync(tmp, stateFile);
    };

    if (options.scenario === 'failover') {
      if (!kafka) {
        notes.push('--scenario failover needs the Kafka cluster; nothing to fail over');
        say(`  note: ${notes[notes.length - 1]}`);
      } else {
        say(`  scenario failover: broker 2 goes down in ${options.failoverAfterMs / 1000} s, back ${options.recoverAfterMs / 1000} s later`);
        const recover = async () => {
          try {
            await kafka.node(2).restart();
            say('demo: recovery: broker 2 is back and rejoins the ISRs; its partitions stay led elsewhere (leader imbalance) until a preferred-leader election');
            writeState({ recovered: true });
          } catch (err) {
            process.stderr.write(`demo: recovery failed: ${messageOf(err)}\n`);
          }
        };
        const failover = async () => {
          try {
            await kafka.node(2).kill();
            const led = KAFKA_TOPICS.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => p).filter((p) => leaderOf(p) === 2).map((p) => `${t.name}/${p}`));
            say(`demo: failover: broker 2 killed (SIGKILL); ${led.join(', ')} move to their next replica, broker 2 leaves every ISR, orders partitions on it drop below min.insync.replicas ${KAFKA_MIN_ISR}`);
            writeState({ failedOver: true });
            timers.push(setTimeout(() => void recover(), options.recoverAfterMs));
          } catch (err) {
            process.stderr.write(`demo: failover failed: ${messageOf(err)}\n`);
          }
        };
        timers.push(setTimeout(() => void failover(), options.failoverAfterMs));
      }
    }

    writeState({});
    if (options.durationMs) timers.push(setTimeout(() => finish(), options.durationMs));
    await finished;
  } catch (err) {
    process.stderr.write(`demo: ${messageOf(err)}\n`);
    exitCode = 1;
  } finally {
    for (const t of timers) clearTimeout(t);
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
  say('demo: stopped, every process ended');
  process.exit(exitCode);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
