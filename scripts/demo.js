#!/usr/bin/env node
/**
 * `npm run demo [-- flags]`: a whole pitower lab on this machine with one command.
 *
 *   - a real Apache Kafka cluster, 3 KRaft nodes (test/lab/kafka.ts: jars from Maven Central, cached after
 *     the first run), when java and mvn are installed;
 *   - MariaDB (a throw-away datadir) when mariadb-server is installed;
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
 * partitions move to the next replica, it leaves every ISR, and orders/0 (2 replicas, min.insync.replicas
 * 2) drops below its minimum, so the leadership grid, ISR, broker-up and leader-change panels and the
 * producers' errors react. It restarts the broker --recover-after later.
 *
 * Plain JavaScript: scripts/ is not compiled; it runs the built CLI (exporter/dist) and requires the lab's
 * TypeScript through scripts/ts-require.js.
 */
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.join(__dirname, '..');
const PITOWER = path.join(ROOT, 'exporter', 'bin', 'pitower.js');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

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

class UsageError extends Error {}

/** "10s" -> 10000 (ms). */
function parseDurationMs(raw, flag) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(raw).trim());
  if (!m) throw new UsageError(`--${flag}: "${raw}" is not a duration like 30s, 2m or 500ms`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]];
  const ms = Number(m[1]) * unit;
  if (ms <= 0) throw new UsageError(`--${flag}: must be positive, got "${raw}"`);
  return ms;
}

function parseOptions(argv) {
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
    throw new UsageError(err.message.split('\n')[0]);
  }
  const v = parsed.values;
  if (!['steady', 'failover'].includes(v.scenario)) throw new UsageError(`--scenario: "${v.scenario}" is not one of steady, failover`);
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

// ---------------------------------------------------------------- processes

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every child we started, newest last; stopped in reverse order. */
const children = [];
let stopping = false;
let onUnexpectedExit = () => {};

function which(...names) {
  for (const name of names) {
    if (name.includes('/')) {
      if (fs.existsSync(name)) return name;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(':')) {
      const p = path.join(dir, name);
      if (dir && fs.existsSync(p)) return p;
    }
  }
  return undefined;
}

/** Spawns a child whose stdout+stderr go to `<logDir>/<name>.log`; `keepStdio` keeps pipes for the caller. */
function start(name, command, args, { logDir, stdin = 'ignore', pipeStdout = false } = {}) {
  const log = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  // detached: a process group of its own, so Ctrl-C in the terminal (SIGINT to the foreground group) reaches
  // only this script, which then stops the children in order instead of racing them.
  const child = spawn(command, args, { stdio: [stdin, pipeStdout ? 'pipe' : log, log], cwd: logDir, detached: true });
  fs.closeSync(log);
  const entry = { name, child, logFile: path.join(logDir, `${name}.log`), exited: false };
  entry.exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      entry.exited = true;
      resolve({ code, signal });
      if (!stopping) onUnexpectedExit(entry, code, signal);
    });
    child.once('error', (err) => {
      fs.appendFileSync(entry.logFile, `spawn error: ${err.message}\n`);
      entry.exited = true;
      resolve({ code: -1, signal: null });
      if (!stopping) onUnexpectedExit(entry, -1, null);
    });
  });
  children.push(entry);
  return entry;
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Stopped after the children: the Kafka lab, so the exporters' collectors do not lose it while shutting down. */
const finalStops = [];

/** `promise`, abandoned after `ms` (a Kafka client disconnecting from a dead broker can hang). */
function within(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

async function stopAll() {
  stopping = true;
  // All at once: each gets its own grace period, so the whole stop takes the longest one, not their sum.
  await Promise.all(
    [...children].reverse().map(async (entry) => {
      if (entry.exited) return;
      if (entry.beforeStop) {
        try {
          entry.beforeStop();
        } catch {
          // fall through to the signal
        }
      } else {
        entry.child.kill('SIGTERM');
      }
      const timer = setTimeout(() => entry.child.kill('SIGKILL'), entry.name === 'mariadb' ? 20_000 : 5_000);
      await entry.exit;
      clearTimeout(timer);
    }),
  );
  for (const stop of finalStops) await within(Promise.resolve().then(stop), 5000).catch(() => undefined);
}

process.on('exit', () => {
  for (const entry of children) if (!entry.exited) entry.child.kill('SIGKILL');
});

function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function waitFor(what, check, timeoutMs, entry) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (entry?.exited) throw new Error(`${what}: the process exited:\n${tail(entry.logFile)}`);
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${entry ? `:\n${tail(entry.logFile)}` : ''}`);
    await sleep(200);
  }
}

async function httpOk(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

// ---------------------------------------------------------------- components

const KAFKA_MIN_ISR = 2;
const CONSUMER_GROUP = 'dashboard-readers';
const KAFKA_BROKERS = 3;
/** Preferred leader of a partition: round robin over brokers 1..3, the other replicas following. */
const leaderOf = (partition) => (partition % KAFKA_BROKERS) + 1;
const rotation = (partition, replicas) => Array.from({ length: replicas }, (_, k) => ((partition + k) % KAFKA_BROKERS) + 1);
/** orders has 2 replicas and min.insync.replicas 2: one broker down leaves some of it below its minimum. */
const KAFKA_TOPICS = [
  { name: 'temperature', partitions: 6, replicas: 3 },
  { name: 'orders', partitions: 3, replicas: 2 },
];

/** The real-Kafka lab (test/lab/kafka.ts), or undefined with a note when java/mvn are missing. */
async function startKafka(notes) {
  if (!which('java') || !which('javac') || !which('mvn')) {
    notes.push('no Kafka cluster: needs a JDK and Maven (apt-get install default-jdk-headless maven)');
    return undefined;
  }
  require('./ts-require');
  const { startKafkaLab } = require('../test/lab/kafka.ts');
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
 * data. A child process (scripts/demo-consumer.js), stopped with the others; resolves once it joined.
 */
async function startSlowConsumer(bootstrap, perSecond, logDir) {
  const entry = start('consumer', process.execPath, [path.join(__dirname, 'demo-consumer.js'), CONSUMER_GROUP, 'temperature', String(perSecond), bootstrap.join(',')], {
    logDir,
    pipeStdout: true,
  });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not joined within 60 s: ${tail(entry.logFile, 3)}`)), 60_000);
    entry.child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes(`joined ${CONSUMER_GROUP}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    entry.exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before joining: ${tail(entry.logFile, 3)}`));
    });
  });
  entry.child.stdout.resume();
  return entry;
}

async function startMariaDb(logDir, dir) {
  const mariadbd = which('/usr/sbin/mariadbd', '/usr/sbin/mysqld');
  const installDb = which('mariadb-install-db', 'mysql_install_db');
  const client = which('mariadb', 'mysql');
  if (!mariadbd || !installDb || !client) return undefined;
  fs.mkdirSync(dir, { recursive: true });
  const datadir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const user = process.getuid?.() === 0 ? 'root' : os.userInfo().username;
  const install = spawnSync(installDb, ['--no-defaults', `--datadir=${datadir}`, `--user=${user}`, '--skip-test-db', '--auth-root-authentication-method=socket', '--skip-name-resolve'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${(install.stderr || install.stdout).trim().split('\n').slice(-5).join('\n')}`);
  const port = await freePort();
  const entry = start(
    'mariadb',
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--user=${user}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
      '--innodb-flush-log-at-trx-commit=2',
      '--performance-schema=OFF',
    ],
    { logDir },
  );
  const password = 'pitower-demo';
  const sql =
    "CREATE DATABASE IF NOT EXISTS lab; CREATE USER IF NOT EXISTS 'pitower'@'127.0.0.1' IDENTIFIED BY '" +
    password +
    "'; GRANT ALL ON lab.* TO 'pitower'@'127.0.0.1';";
  await waitFor(
    'MariaDB',
    () => spawnSync(client, ['--no-defaults', '-S', socket, '-u', 'root', '-e', sql], { timeout: 5000 }).status === 0,
    60_000,
    entry,
  );
  return { entry, port, url: `mysql://pitower:${password}@127.0.0.1:${port}/lab`, safeUrl: `mysql://pitower@127.0.0.1:${port}/lab` };
}

/** Which optional modules the built exporter has (the flags of `pitower exporter --help`). */
function detectExporterModules() {
  const help = spawnSync(process.execPath, [PITOWER, 'exporter', '--help'], { encoding: 'utf8', timeout: 15_000 });
  if (help.status !== 0) throw new Error(`pitower exporter --help failed (run npm run build first?):\n${help.stderr}`);
  const has = (flag) => new RegExp(`(^|\\s)${flag.replace(/\./g, '\\.')}\\b`, 'm').test(help.stdout);
  return {
    load: has('--load.backend'),
    loadRate: has('--load.rate'),
    kafka: has('--kafka.server'),
    kafkaInterval: has('--kafka.metadata-interval'),
    kafkaOffsetsInterval: has('--kafka.offsets-interval'),
  };
}

async function startExporter(name, host, args, logDir) {
  const entry = start(name, process.execPath, [PITOWER, 'exporter', `--web.listen-address=${host}:0`, '--log.format=json', ...args], { logDir });
  const url = await waitFor(
    `pitower exporter ${name}`,
    () => {
      const match = /"address":"(http:\/\/[^"]+)"/.exec(fs.readFileSync(entry.logFile, 'utf8'));
      return match ? match[1] : undefined;
    },
    20_000,
    entry,
  );
  return { entry, url, target: url.replace(/^http:\/\//, '') };
}

async function startNodeExporter(name, host, logDir) {
  const binary = which('prometheus-node-exporter', 'node_exporter');
  if (!binary) return undefined;
  const port = await freePort(host);
  const entry = start(name, binary, [`--web.listen-address=${host}:${port}`], { logDir });
  await waitFor(`node_exporter ${name}`, () => httpOk(`http://${host}:${port}/metrics`), 20_000, entry);
  return { entry, url: `http://${host}:${port}`, target: `${host}:${port}` };
}

/**
 * The shipped prometheus.yml with each job reading its own file_sd list (targets/<job>.yml: the demo's
 * exporters listen on ephemeral ports, and the shipped jobs share one list of bare host names) and the
 * intervals set to the demo's. Everything else (relabelling, rule files) is the shipped file.
 */
function toDemoPrometheusConfig(shippedYaml, scrapeSeconds) {
  const YAML = require('yaml');
  const config = YAML.parse(shippedYaml);
  config.global = {
    ...config.global,
    scrape_interval: `${scrapeSeconds}s`,
    scrape_timeout: `${Math.min(10, scrapeSeconds)}s`,
    evaluation_interval: `${scrapeSeconds}s`,
  };
  for (const job of config.scrape_configs) job.file_sd_configs = [{ files: [`targets/${job.job_name}.yml`] }];
  return YAML.stringify(config);
}

async function startPrometheus(dir, logDir, options, targets) {
  const binary = which('prometheus');
  if (!binary) throw new Error('prometheus not found: install the Debian package prometheus (scripts/provision.sh does)');
  const shipped = path.join(ROOT, 'prometheus');
  fs.mkdirSync(path.join(dir, 'targets'), { recursive: true });
  fs.cpSync(path.join(shipped, 'rules'), path.join(dir, 'rules'), { recursive: true });
  const config = toDemoPrometheusConfig(fs.readFileSync(path.join(shipped, 'prometheus.yml'), 'utf8'), options.scrapeSeconds);
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const YAML = require('yaml');
  for (const job of YAML.parse(config).scrape_configs.map((j) => j.job_name)) {
    const groups = (targets[job] ?? []).map((t) => ({ labels: { role: t.role }, targets: [t.target] }));
    fs.writeFileSync(path.join(dir, 'targets', `${job}.yml`), groups.length ? YAML.stringify(groups) : '[]\n');
  }
  let port = options.prometheusPort;
  if (port === 0 || !(await portIsFree(port))) port = await freePort();
  const entry = start(
    'prometheus',
    binary,
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { logDir },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus', () => httpOk(`${url}/-/ready`), 30_000, entry);
  return { entry, url, port };
}

// ---------------------------------------------------------------- main

async function main() {
  let options;
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
  if (!fs.existsSync(path.join(ROOT, 'exporter', 'dist', 'cli.js'))) {
    process.stderr.write('demo: exporter/dist is missing: run `npm run build` first\n');
    process.exit(2);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pitower-demo-'));
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir);
  const say = (line) => process.stdout.write(`${line}\n`);
  const notes = [];
  let exitCode = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  onUnexpectedExit = (entry, code, signal) => {
    process.stderr.write(`demo: ${entry.name} exited unexpectedly (${code ?? signal}); stopping. Last log lines:\n${tail(entry.logFile)}\n`);
    exitCode = 1;
    finish();
  };
  const onSignal = (signal) => {
    say(`\ndemo: ${signal}, stopping`);
    finish();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const timers = [];
  try {
    const modules = detectExporterModules();
    if (!modules.load) notes.push('the load generator is not registered in this build of `pitower exporter`: no load, TPS panels stay empty');
    if (!modules.kafka) notes.push('the Kafka collector is not registered in this build of `pitower exporter`: Kafka panels stay empty');

    say(`demo: starting (logs in ${logDir})`);
    // MariaDB's install-db takes seconds: run it while Kafka comes up.
    const mariadbStarting = options.mariadb ? startMariaDb(logDir, path.join(dir, 'mariadb')) : Promise.resolve(undefined);
    mariadbStarting.catch(() => undefined); // awaited below; keeps an early Kafka failure from leaving it unhandled
    const kafka = options.kafka ? await startKafka(notes) : undefined;
    let consumer;
    // The consumer group joins in the background (a few seconds) while the rest starts.
    const consumerStarting = kafka
      ? startSlowConsumer(kafka.bootstrap, Math.max(1, options.loadRate / 2), logDir).then(
          (c) => {
            consumer = c;
          },
          (err) => notes.push(`no consumer group (${err.message}): the consumer lag panel stays empty`),
        )
      : Promise.resolve();
    const collectorBootstrap = kafka?.bootstrap ?? [];
    const mariadb = await mariadbStarting;
    if (options.mariadb && !mariadb) notes.push('no MariaDB: install mariadb-server');

    const loadArgs = (backend, extra) =>
      modules.load ? ['--load.backend', backend, ...(modules.loadRate ? ['--load.rate', String(options.loadRate)] : []), ...extra] : [];
    const kafkaLoad = kafka && modules.load ? loadArgs('kafka', kafka.bootstrap.flatMap((b) => ['--load.kafka.server', b])) : loadArgs('null', []);
    const pis = [
      { name: 'producer-1', host: '127.0.0.1', role: 'producer', fixture: 'pi4', args: kafkaLoad, backend: modules.load ? (kafka ? 'kafka' : 'null') : undefined },
      {
        name: 'broker-1',
        host: '127.0.0.2',
        role: 'broker',
        fixture: 'pi5',
        args:
          kafka && modules.kafka
            ? [
                ...collectorBootstrap.flatMap((b) => ['--kafka.server', b]),
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

    const targets = { pitower: [], node: [], mysqld: [] };
    let nodeExporterMissing = false;
    await Promise.all(
      pis.map(async (pi) => {
        const procfs = path.join(FIXTURES, 'procfs', pi.fixture);
        const fixtureArgs = ['--path.sysfs', path.join(FIXTURES, 'sysfs', pi.fixture), ...(fs.existsSync(procfs) ? ['--path.procfs', procfs] : [])];
        [pi.exporter, pi.node] = await Promise.all([
          startExporter(`pitower-${pi.name}`, pi.host, [...fixtureArgs, ...pi.args], logDir),
          startNodeExporter(`node-${pi.name}`, pi.host, logDir),
        ]);
      }),
    );
    for (const pi of pis) {
      targets.pitower.push({ role: pi.role, target: pi.exporter.target });
      if (pi.node) targets.node.push({ role: pi.role, target: pi.node.target });
      else nodeExporterMissing = true;
    }
    if (nodeExporterMissing) notes.push('no node_exporter: install prometheus-node-exporter (CPU and disk panels stay empty)');
    const prometheus = await startPrometheus(path.join(dir, 'prometheus'), logDir, options, targets);
    await consumerStarting;
    const expectedUp = targets.pitower.length + targets.node.length;
    await waitFor(
      'all scrape targets up',
      async () => {
        const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('sum(up)')}`, { signal: AbortSignal.timeout(2000) });
        const body = await res.json();
        return Number(body.data?.result?.[0]?.value?.[1] ?? 0) === expectedUp;
      },
      30_000,
      prometheus.entry,
    );

    say('');
    say('pitower demo is up');
    say(`  Prometheus       ${prometheus.url}   (targets: ${prometheus.url}/targets, alerts: ${prometheus.url}/alerts)`);
    for (const pi of pis) {
      const what = pi.backend ? `load -> ${pi.backend}` : pi.role === 'broker' && kafka && modules.kafka ? 'Kafka collector' : 'thermal only';
      say(`  ${pi.name.padEnd(16)} ${pi.role.padEnd(9)} pitower ${pi.exporter.url}/metrics (${what})${pi.node ? `, node_exporter ${pi.node.url}/metrics` : ''}`);
    }
    if (kafka) {
      say(`  Kafka ${kafka.version.padEnd(10)} ${kafka.bootstrap.join(',')}   3 KRaft nodes, topics ${KAFKA_TOPICS.map((t) => `${t.name} (${t.partitions} x RF ${t.replicas})`).join(', ')}, min.insync.replicas ${KAFKA_MIN_ISR}`);
      say(`                   node PIDs ${kafka.nodes.map((n) => `${n.id}:${n.pid()}`).join(' ')}, logs ${path.join(kafka.dir, 'node-N', 'node.log')}`);
    }
    if (consumer) say(`  consumer group   ${CONSUMER_GROUP} reading temperature at ${Math.max(1, options.loadRate / 2)}/s (lag grows)`);
    if (mariadb) say(`  MariaDB          ${mariadb.safeUrl}`);
    say('');
    say('  Grafana: add a Prometheus datasource with the URL above, install grafana-plugin/dist as');
    say('  pitower-cluster-panel and import dashboards/*.json (see dashboards/README.md).');
    for (const note of notes) say(`  note: ${note}`);
    say(`  ${options.durationMs ? `stopping after ${options.durationMs / 1000} s; ` : ''}Ctrl-C stops everything.`);

    if (options.scenario === 'failover') {
      if (!kafka) {
        notes.push('--scenario failover needs the Kafka cluster; nothing to fail over');
        say(`  note: ${notes[notes.length - 1]}`);
      } else {
        say(`  scenario failover: broker 2 goes down in ${options.failoverAfterMs / 1000} s, back ${options.recoverAfterMs / 1000} s later`);
        timers.push(
          setTimeout(async () => {
            try {
              await kafka.node(2).kill();
              const led = KAFKA_TOPICS.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => (leaderOf(p) === 2 ? [`${t.name}/${p}`] : [])).flat());
              say(`demo: failover: broker 2 killed (SIGKILL); ${led.join(', ')} move to their next replica, broker 2 leaves every ISR, orders partitions on it drop below min.insync.replicas ${KAFKA_MIN_ISR}`);
              if (options.stateFile) writeState({ failedOver: true });
              timers.push(
                setTimeout(async () => {
                  try {
                    await kafka.node(2).restart();
                    say('demo: recovery: broker 2 is back and rejoins the ISRs; its partitions stay led elsewhere (leader imbalance) until a preferred-leader election');
                    if (options.stateFile) writeState({ recovered: true });
                  } catch (err) {
                    process.stderr.write(`demo: recovery failed: ${err.message}\n`);
                  }
                }, options.recoverAfterMs),
              );
            } catch (err) {
              process.stderr.write(`demo: failover failed: ${err.message}\n`);
            }
          }, options.failoverAfterMs),
        );
      }
    }

    const state = {
      dir,
      prometheus: prometheus.url,
      pids: children.map((c) => ({ name: c.name, pid: c.child.pid })),
      pis: pis.map((p) => ({ name: p.name, host: p.host, role: p.role, pitower: p.exporter.url, node: p.node?.url, backend: p.backend })),
      kafka: kafka
        ? { version: kafka.version, bootstrap: kafka.bootstrap, pids: kafka.nodes.map((n) => n.pid()), topics: KAFKA_TOPICS, consumerGroup: consumer ? CONSUMER_GROUP : undefined }
        : undefined,
      mariadb: mariadb ? { url: mariadb.safeUrl } : undefined,
      modules,
      scenario: options.scenario,
      failedOver: false,
      recovered: false,
      notes,
    };
    const writeState = (update) => {
      Object.assign(state, update);
      const tmp = `${options.stateFile}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
      fs.renameSync(tmp, options.stateFile);
    };
    if (options.stateFile) writeState({});
    if (options.durationMs) timers.push(setTimeout(() => finish(), options.durationMs));
    await finished;
  } catch (err) {
    process.stderr.write(`demo: ${err.message}\n`);
    exitCode = 1;
  } finally {
    for (const t of timers) clearTimeout(t);
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  say('demo: stopped, every process ended');
  process.exit(exitCode);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`demo: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}

module.exports = { parseOptions, parseDurationMs, toDemoPrometheusConfig, UsageError };
