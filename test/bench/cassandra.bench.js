#!/usr/bin/env node
/**
 * `pitower load --backend cassandra` beside a plain cassandra-driver loop on a real one-node Apache Cassandra
 * 5.0 (test/lab/cassandra.ts), in one run: the same prepared INSERT with the same bound values (both take
 * toInsertCql/toInsertParams from exporter/dist), the same driver (cassandra-driver, the workspace's), the
 * same consistency (LOCAL_ONE, pitower's default) and the same concurrency, into the same table.
 *   - throughput: writes per second over the writes themselves (pitower's --json tps; the loop times itself
 *     the same way, from the first write to the last acknowledgement) and over the process's whole life;
 *   - client CPU: user + system seconds of the process (/proc/<pid>/stat of the child, read by /usr/bin/time),
 *     minus the same process writing BENCH_CASSANDRA_STARTUP_COUNT (8) rows (node start, connect, prepare),
 *     per write;
 *   - server CPU: the Cassandra JVM's user + system seconds during the run (/proc/<pid>/stat), per write.
 * Medians of 3 rounds (BENCH_CASSANDRA_ROUNDS), the two sides alternating first, each with its range. `cassandra-stress` is not
 * published to Maven Central (it ships only in the binary tarball's tools/), so the driver loop is the
 * reference; the bench says whether the cached jars hold it.
 * Sizes: BENCH_CASSANDRA_COUNT (50000) writes per run, BENCH_CASSANDRA_CONCURRENCY (16), BENCH_CASSANDRA_WARMUP
 * (= the count) unmeasured writes a side first.
 * Needs `npm run build` first (scripts/bench.sh does it), java, javac and mvn (the lab's jars, cached).
 *
 *   node test/bench/cassandra.bench.js                      # the bench
 *   node test/bench/cassandra.bench.js --driver-loop <contact-point> <keyspace> <table> <count> <concurrency>
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const PITOWER = join(ROOT, 'exporter', 'bin', 'pitower.js');
const COUNT = Number(process.env.BENCH_CASSANDRA_COUNT || 50000);
const CONCURRENCY = Number(process.env.BENCH_CASSANDRA_CONCURRENCY || 16);
const ROUNDS = Number(process.env.BENCH_CASSANDRA_ROUNDS || 3);
const STARTUP_COUNT = Number(process.env.BENCH_CASSANDRA_STARTUP_COUNT || 8);
// The server's JIT is still warming after 5,000 writes a side (server CPU per write fell 3x over 3 rounds).
const WARMUP = Number(process.env.BENCH_CASSANDRA_WARMUP || COUNT);
const KEYSPACE = 'bench';
const TABLE = 'reading';

// ---------------------------------------------------------------- the reference: a plain driver loop

async function driverLoop([contactPoint, keyspace, table, countArg, concurrencyArg]) {
  const { Client, types } = require('cassandra-driver');
  const { toInsertCql, toInsertParams } = require(join(ROOT, 'exporter', 'dist', 'load', 'backends', 'cassandra.js'));
  const count = Number(countArg);
  const concurrency = Number(concurrencyArg);
  const client = new Client({
    contactPoints: [contactPoint],
    localDataCenter: 'datacenter1',
    socketOptions: { connectTimeout: 5000, readTimeout: 10000 },
    queryOptions: { consistency: types.consistencies.localOne, prepare: true },
  });
  await client.connect();
  const insert = toInsertCql(keyspace, table);
  const producer = `driver-loop-${process.pid}-${Date.now().toString(36)}`;
  let next = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const seq = next++;
        const reading = { producer, seq, host: 'pi-bench-01', location: 'lab', timestamp_ms: Date.now(), note: '', value_celsius: 47.25 };
        try {
          await client.execute(insert, toInsertParams(reading));
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await client.shutdown();
  process.stdout.write(`${JSON.stringify({ transactions: count - errors, errors, seconds, tps: (count - errors) / seconds })}\n`);
}

// ---------------------------------------------------------------- the bench

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** User + system CPU seconds of a live process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks). */
function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/** Runs node with `args` under /usr/bin/time: the last stdout line parsed as JSON, wall and CPU seconds. */
function timedNode(args) {
  const started = process.hrtime.bigint();
  const out = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (out.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${out.status}: ${out.stderr}`);
  const cpu = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(out.stderr);
  if (!cpu) throw new Error(`no CPU line from /usr/bin/time: ${out.stderr}`);
  return { ...JSON.parse(out.stdout.trim().split('\n').pop()), wall, cpu: Number(cpu[1]) + Number(cpu[2]) };
}

function cassandraStressIn(libs) {
  const jars = readdirSync(libs).filter((f) => /^cassandra-(stress|tools)\b|(^|-)stress-/.test(f));
  const all = spawnSync('unzip', ['-l', join(libs, readdirSync(libs).find((f) => f.startsWith('cassandra-all-')))], { encoding: 'utf8' }).stdout ?? '';
  return { jars, classes: /org\/apache\/cassandra\/stress\//.test(all) };
}

async function main() {
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing (Debian package `time`): it measures the client CPU');
  require('../../scripts/ts-require');
  const { startCassandraLab, resolveCassandraJars, CASSANDRA_VERSION } = require('../lab/cassandra.ts');
  const jars = await resolveCassandraJars();
  const stress = cassandraStressIn(jars.libs);
  const lab = await startCassandraLab({ nodes: 1 });
  try {
    const contactPoint = lab.contactPoints[0];
    const serverPid = lab.node(1).pid();
    const sides = {
      pitower: (count, concurrency) =>
        timedNode([
          PITOWER, 'load', '--backend', 'cassandra', '--cassandra.contact-point', contactPoint, '--cassandra.keyspace', KEYSPACE, '--cassandra.table', TABLE,
          '--count', String(count), '--concurrency', String(concurrency), '--json',
        ]),
      'cassandra-driver loop': (count, concurrency) => timedNode([__filename, '--driver-loop', contactPoint, KEYSPACE, TABLE, String(count), String(concurrency)]),
    };
    // Creates the keyspace and table and warms the server's JIT; not measured.
    sides.pitower(WARMUP, CONCURRENCY);
    sides['cassandra-driver loop'](WARMUP, CONCURRENCY);
    const startup = {};
    for (const [name, run] of Object.entries(sides)) startup[name] = median([0, 1, 2].map(() => run(STARTUP_COUNT, Math.min(STARTUP_COUNT, CONCURRENCY)).cpu));

    const rounds = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? Object.keys(sides).reverse() : Object.keys(sides);
      for (const name of order) {
        const serverBefore = cpuSecondsOf(serverPid);
        const r = sides[name](COUNT, CONCURRENCY);
        const server = cpuSecondsOf(serverPid) - serverBefore;
        if (r.errors > 0) throw new Error(`${name}: ${r.errors} of ${COUNT} writes failed`);
        rounds[name].push({ tps: r.tps, wallTps: COUNT / r.wall, clientUs: (Math.max(0, r.cpu - startup[name]) / COUNT) * 1e6, serverUs: (server / COUNT) * 1e6, cpu: r.cpu });
        process.stderr.write(`  round ${round + 1} ${name}: ${JSON.stringify(rounds[name][round])}\n`);
      }
    }
    // Every acknowledged write is there (a count of one node's table; a slow count is reported, not fatal).
    const expected = 2 * WARMUP + 3 * 2 * STARTUP_COUNT + ROUNDS * 2 * COUNT;
    const rows = await lab
      .execute(`SELECT count(*) AS n FROM ${KEYSPACE}.${TABLE}`)
      .then((rs) => Number(rs.rows[0].n))
      .catch((err) => `not counted (${err.message.split('\n')[0]})`);
    if (typeof rows === 'number' && rows !== expected) throw new Error(`the table holds ${rows} rows, not the ${expected} written`);

    const m = (name, key) => median(rounds[name].map((r) => r[key]));
    console.log(
      `Cassandra ${CASSANDRA_VERSION}, 1 node (-Xmx768m) on this machine; ${COUNT.toLocaleString('en')} single-row prepared INSERTs per run at LOCAL_ONE, ` +
        `concurrency ${CONCURRENCY}; after ${WARMUP.toLocaleString('en')} unmeasured writes a side, medians of ${ROUNDS} rounds; client CPU net of ${STARTUP_COUNT}-row start-up (pitower ${startup.pitower.toFixed(2)} s, loop ${startup['cassandra-driver loop'].toFixed(2)} s)`,
    );
    // The range beside each median: on 2 cores a memtable flush or compaction inside one run moves it a lot.
    const cell = (name, key, digits = 0) => {
      const xs = rounds[name].map((r) => r[key]);
      return `${m(name, key).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
    };
    console.log('| client | writes/s, writes only | writes/s, whole process | client CPU µs/write | server CPU µs/write |');
    console.log('|---|---|---|---|---|');
    for (const name of Object.keys(sides)) {
      console.log(`| ${name === 'pitower' ? '`pitower load`' : 'plain cassandra-driver loop'} | ${cell(name, 'tps')} | ${cell(name, 'wallTps')} | ${cell(name, 'clientUs')} | ${cell(name, 'serverUs')} |`);
    }
    const ratio = (key) => (m('pitower', key) / m('cassandra-driver loop', key)).toFixed(2);
    console.log(`pitower/loop: throughput ${ratio('tps')}x (whole process ${ratio('wallTps')}x), client CPU per write ${ratio('clientUs')}x; ${KEYSPACE}.${TABLE}: ${rows} rows of ${expected} written`);
    console.log(
      `cassandra-stress: ${stress.jars.length || stress.classes ? `found (${stress.jars.join(', ') || 'classes in cassandra-all'})` : `not in the cached jars (${jars.libs}: no stress jar, no org/apache/cassandra/stress classes in cassandra-all)`}`,
    );
  } finally {
    await lab.stop();
  }
}

if (process.argv[2] === '--driver-loop') {
  driverLoop(process.argv.slice(3)).catch((err) => {
    process.stderr.write(`driver loop: ${err.stack ?? err}\n`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    process.stderr.write(`cassandra bench: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
