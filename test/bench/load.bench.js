#!/usr/bin/env node
/**
 * Load generator throughput against references measured in the same run:
 *   1. MySQL, one row per autocommitted INSERT, concurrency 8: `pitower load` vs `mariadb-slap` (C client)
 *      doing the same inserts into the same table of a private MariaDB started here  -> target >= 0.9x.
 *   2. Kafka, librdkafka mock cluster (1 broker), same acks, ~130-byte readings keyed by host:
 *      `pitower load --mode batch` vs `kcat -P`  -> target >= 0.15x; `--mode sync --concurrency 64` beside it.
 *   3. null backend: readings per second per CPU-second (the generator's own ceiling).
 * Needs `npm run build` first (scripts/bench.sh does it), Debian's mariadb-server, mariadb-client, kcat,
 * librdkafka-dev and cc. Sizes: BENCH_MYSQL_ROWS (20000), BENCH_KAFKA_MESSAGES (200000).
 */
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync, existsSync, statSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const PITOWER = join(ROOT, 'exporter', 'bin', 'pitower.js');
const MYSQL_ROWS = Number(process.env.BENCH_MYSQL_ROWS || 20000);
const KAFKA_MESSAGES = Number(process.env.BENCH_KAFKA_MESSAGES || 200000);
const ACKS = 'all';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command under /usr/bin/time: stdout, wall seconds and the child's CPU seconds (user + system). */
function timed(command, args) {
  const started = process.hrtime.bigint();
  // /usr/bin/time (Debian package `time`) gives the child's CPU; without it, CPU is reported as n/a
  const out = existsSync('/usr/bin/time')
    ? spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${out.status}: ${out.stderr}`);
  const cpu = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(out.stderr);
  return { stdout: out.stdout, wall, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN };
}

/** Runs `pitower load ... --json` and returns the parsed summary plus wall and CPU seconds. */
function pitowerLoad(args) {
  const out = timed(process.execPath, [PITOWER, 'load', ...args, '--json']);
  return { ...JSON.parse(out.stdout), wall: out.wall, cpu: out.cpu };
}

// ---------------------------------------------------------------- MySQL

async function startMariaDb(dir) {
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const user = process.getuid && process.getuid() === 0 ? 'root' : process.env.USER || 'root';
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${datadir}`, `--user=${user}`, '--skip-test-db', '--auth-root-authentication-method=socket'], { stdio: 'ignore' });
  const port = await freePort();
  const child = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults', `--datadir=${datadir}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', `--user=${user}`,
      `--pid-file=${join(dir, 'pid')}`, '--skip-name-resolve', '--skip-log-bin', '--innodb-buffer-pool-size=256M',
      '--innodb-log-file-size=256M', '--innodb-flush-log-at-trx-commit=2', '--performance-schema=OFF', `--log-error=${join(dir, 'error.log')}`,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 600; i++) {
    const ok = spawnSync('mariadb', [`--socket=${socket}`, '-uroot', '-e', 'SELECT 1'], { stdio: 'ignore' }).status === 0;
    if (ok) break;
    await sleep(100);
  }
  const sql = (q) => execFileSync('mariadb', [`--socket=${socket}`, '-uroot', '-N', '-e', q], { encoding: 'utf8' }).trim();
  sql(
    "CREATE DATABASE bench; CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY 'bench'; GRANT ALL ON bench.* TO 'bench'@'127.0.0.1';",
  );
  return {
    port,
    sql,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 20000);
        child.once('exit', () => (clearTimeout(kill), resolve()));
        child.kill('SIGTERM');
      }),
  };
}

async function benchMysql() {
  const dir = mkdtempSync(join(tmpdir(), 'pitower-bench-mariadb-'));
  const db = await startMariaDb(dir);
  try {
    const url = `mysql://bench:bench@127.0.0.1:${db.port}/bench`;
    // creates the table, warms the server; not measured
    pitowerLoad(['--backend', 'mysql', '--mysql.url', url, '--count', '2000', '--concurrency', '8']);
    const insert =
      "INSERT INTO bench.reading (producer,seq,host,location,timestamp_ms,note,value_celsius) VALUES ('mariadb-slap-000000-abcdefg',1,'pi-bench-01','lab',1795300000000,'',47.25)";
    // node start-up and connect cost, subtracted from pitower's CPU time per insert
    const startup = pitowerLoad(['--backend', 'mysql', '--mysql.url', url, '--count', '8', '--concurrency', '8']).cpu;
    const rounds = [];
    for (let round = 0; round < 3; round++) {
      const slap = timed('mariadb-slap', [
        '--host=127.0.0.1', `--port=${db.port}`, '--user=bench', '--password=bench', '--create-schema=bench', '--no-drop',
        '--concurrency=8', '--iterations=1', `--number-of-queries=${MYSQL_ROWS}`, `--query=${insert}`,
      ]);
      const slapSeconds = Number(/Average number of seconds to run all queries: ([\d.]+)/.exec(slap.stdout)[1]);
      const p = pitowerLoad(['--backend', 'mysql', '--mysql.url', url, '--count', String(MYSQL_ROWS), '--concurrency', '8']);
      rounds.push({
        slapTps: MYSQL_ROWS / slapSeconds,
        slapWallTps: MYSQL_ROWS / slap.wall,
        slapCpuUs: (slap.cpu / MYSQL_ROWS) * 1e6,
        pitowerTps: p.tps,
        pitowerWallTps: MYSQL_ROWS / p.wall,
        pitowerCpuUs: (Math.max(0, p.cpu - startup) / MYSQL_ROWS) * 1e6,
        p,
      });
    }
    const rows = Number(db.sql('SELECT COUNT(*) FROM bench.reading'));
    const best = (k) => Math.max(...rounds.map((r) => r[k]));
    const least = (k) => Math.min(...rounds.map((r) => r[k]));
    return {
      rows,
      slapTps: best('slapTps'),
      pitowerTps: best('pitowerTps'),
      slapWallTps: best('slapWallTps'),
      pitowerWallTps: best('pitowerWallTps'),
      slapCpuUs: least('slapCpuUs'),
      pitowerCpuUs: least('pitowerCpuUs'),
      p99: rounds[rounds.length - 1].p.latency.p99,
    };
  } finally {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- Kafka

function mockBinary() {
  const src = join(ROOT, 'test', 'kafka-mock', 'kafka-mock.c');
  const bin = join(ROOT, 'test', 'kafka-mock', 'kafka-mock');
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    const tmp = `${bin}.${process.pid}.tmp`;
    execFileSync('cc', ['-O1', '-Wall', '-o', tmp, src, '-lrdkafka']);
    require('node:fs').renameSync(tmp, bin);
  }
  return bin;
}

async function startMock() {
  const child = spawn(mockBinary(), ['1'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = [];
  let wake;
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      wake?.();
    }
  });
  const next = async () => {
    while (lines.length === 0) await new Promise((r) => (wake = r));
    return lines.shift();
  };
  const bootstrap = (await next()).replace(/^BOOTSTRAP /, '');
  const command = async (line) => {
    child.stdin.write(`${line}\n`);
    const reply = await next();
    if (reply !== 'OK') throw new Error(`kafka-mock ${line}: ${reply}`);
  };
  return { bootstrap, command, stop: () => (child.stdin.end(), new Promise((r) => child.once('exit', r))) };
}

async function benchKafka() {
  const mock = await startMock();
  const dir = mkdtempSync(join(tmpdir(), 'pitower-bench-kcat-'));
  try {
    await mock.command('topic kcat 1 1');
    await mock.command('topic temperature 1 1');
    // kcat input: key:value lines, the same reading JSON pitower sends (key = host)
    const reading = (seq) => JSON.stringify({ producer: 'kcat-000000-abcdefg', seq, host: 'pi-bench-01', location: 'lab', timestamp_ms: 1795300000000 + seq, note: '', value_celsius: 47.25 });
    const lines = [];
    for (let i = 0; i < KAFKA_MESSAGES; i++) lines.push(`pi-bench-01\t${reading(i)}`);
    writeFileSync(join(dir, 'in.txt'), `${lines.join('\n')}\n`);
    const kcat = timed('kcat', ['-P', '-b', mock.bootstrap, '-t', 'kcat', '-K', '\t', '-X', `acks=${ACKS === 'all' ? -1 : ACKS}`, '-l', join(dir, 'in.txt')]);
    const kcatSeconds = kcat.wall;
    const common = ['--backend', 'kafka', '--kafka.server', mock.bootstrap, '--topic', 'temperature', '--acks', ACKS, '--host', 'pi-bench-01'];
    const batch = pitowerLoad([...common, '--mode', 'batch', '--batch-size', '1000', '--concurrency', '8', '--count', String(KAFKA_MESSAGES)]);
    const sync = pitowerLoad([...common, '--mode', 'sync', '--concurrency', '64', '--duration', '5s']);
    return { kcatTps: KAFKA_MESSAGES / kcatSeconds, batchTps: batch.tps, batchWallTps: KAFKA_MESSAGES / batch.wall, syncTps: sync.tps, syncP99: sync.latency.p99 };
  } finally {
    await mock.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- null

async function benchNull() {
  const { runLoad } = require(join(ROOT, 'exporter', 'dist', 'load', 'run.js'));
  const { RunStats } = require(join(ROOT, 'exporter', 'dist', 'load', 'stats.js'));
  const results = {};
  for (const [name, extra] of [['closed', {}], ['open', { rate: 2e6 }]]) {
    const stats = new RunStats();
    const config = { backend: 'null', concurrency: 8, durationSeconds: 3, warmupSeconds: 0.5, connectTimeoutSeconds: 1, audit: false, location: 'lab', host: 'pi-bench-01', note: '', batchSize: 1, sysfs: '/nonexistent', ...extra };
    const cpu = process.cpuUsage();
    const result = await runLoad(config, { sinks: [stats] });
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const total = stats.transactions + stats.warmupTransactions;
    results[name] = { tps: stats.transactions / result.seconds, perCpuSecond: total / cpuSeconds };
  }
  return results;
}

async function main() {
  const fmt = (n) => Math.round(n).toLocaleString('en');
  const m = await benchMysql();
  console.log(`mysql  autocommit INSERT x${MYSQL_ROWS}, concurrency 8 (MariaDB ${execFileSync('mariadbd', ['--version'], { encoding: 'utf8' }).split(' ')[3]}, flush_log_at_trx_commit=2)`);
  console.log(`  mariadb-slap    ${fmt(m.slapTps)} rows/s  (wall incl. connect ${fmt(m.slapWallTps)})`);
  console.log(`  pitower load    ${fmt(m.pitowerTps)} rows/s  (wall incl. node start ${fmt(m.pitowerWallTps)}), p99 ${(m.p99 * 1000).toFixed(2)} ms`);
  console.log(`  ratio           ${(m.pitowerTps / m.slapTps).toFixed(2)}x  (target >= 0.9x; best of 3 interleaved rounds each)`);
  console.log(`  client CPU      mariadb-slap ${m.slapCpuUs.toFixed(1)} µs/insert, pitower ${m.pitowerCpuUs.toFixed(1)} µs/insert (start-up subtracted)`);
  const k = await benchKafka();
  console.log(`kafka  ${KAFKA_MESSAGES} readings, acks=${ACKS}, librdkafka mock (1 broker)`);
  console.log(`  kcat -P                          ${fmt(k.kcatTps)} msg/s (wall)`);
  console.log(`  pitower --mode batch (1000 x 8)  ${fmt(k.batchTps)} msg/s  (wall incl. node start ${fmt(k.batchWallTps)})`);
  console.log(`  ratio batch / kcat               ${(k.batchTps / k.kcatTps).toFixed(2)}x  (target >= 0.15x)`);
  console.log(`  pitower --mode sync -c 64        ${fmt(k.syncTps)} msg/s, p99 ${(k.syncP99 * 1000).toFixed(2)} ms  (${(k.syncTps / k.kcatTps).toFixed(3)}x kcat)`);
  const n = await benchNull();
  console.log('null   generator ceiling, concurrency 8, one process');
  console.log(`  closed loop     ${fmt(n.closed.tps)} readings/s, ${fmt(n.closed.perCpuSecond)} per CPU-second`);
  console.log(`  open loop       ${fmt(n.open.tps)} readings/s at a 2,000,000/s target, ${fmt(n.open.perCpuSecond)} per CPU-second`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
