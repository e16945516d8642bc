#!/usr/bin/env node
/**
 * Footprint of the daemon (issue 22): start to the first /metrics 200, and RSS (VmRSS of /proc/<pid>/status)
 * after 100 sequential scrapes, for `pitower exporter` on the Pi 4 fixture trees with the unit's node flags.
 * References measured in the same run: a bare `node` idling with the same flags, and Debian's
 * prometheus-node-exporter (when installed) after 100 scrapes. With PITOWER_BENCH_KAFKA=<host:port,...> the
 * daemon is measured a second time with --kafka.server. Prints a markdown table (BENCHMARKS.md, "Footprint").
 *
 *   node test/bench/footprint.bench.js
 *   PITOWER_BENCH_KAFKA=127.0.0.1:9092 node test/bench/footprint.bench.js
 */
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const http = require('node:http');

const ROOT = join(__dirname, '..', '..');
const SCRAPES = 100;
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
/** The node flags of the systemd unit: the daemon is measured as a Pi runs it. */
const NODE_FLAGS = execFileSync('bash', [join(ROOT, 'scripts', 'exporter-node-flags.sh')], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
const TARGETS = { pi: 50, kafka: 64, startMs: 1000 };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function get(port, path) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(5000, () => req.destroy());
  });
}

function rssMiB(pid) {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return kb / 1024;
}

function freePort() {
  return new Promise((resolve) => {
    const server = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawns, polls /metrics every 5 ms until 200, scrapes SCRAPES times, reads RSS, stops. */
async function measure(label, command, args, port) {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    let startMs;
    for (;;) {
      if (exited) throw new Error(`${label} exited: ${stderr}`);
      if ((await get(port, '/metrics')) === 200) {
        startMs = Number(process.hrtime.bigint() - started) / 1e6;
        break;
      }
      if (Number(process.hrtime.bigint() - started) > 30e9) throw new Error(`${label}: no /metrics within 30 s`);
      await sleep(5);
    }
    for (let i = 0; i < SCRAPES; i++) {
      const status = await get(port, '/metrics');
      if (status !== 200) throw new Error(`${label}: scrape ${i} answered ${status}`);
    }
    await sleep(200);
    return { label, startMs, rss: rssMiB(child.pid) };
  } finally {
    child.kill('SIGTERM');
    if (!exited) await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function bareNode() {
  const child = spawn(process.execPath, [...NODE_FLAGS, '-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(1000);
  const rss = rssMiB(child.pid);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return { label: `bare node (${NODE_FLAGS.join(' ')}), idle`, startMs: undefined, rss };
}

/** Modules in require.cache when the CLI is loaded, and whether optional clients are among them. */
function loadedModules() {
  const script = `require(${JSON.stringify(join(ROOT, 'exporter', 'dist', 'cli'))});
    const keys = Object.keys(require.cache);
    const heavy = ['kafkajs', 'mysql2', 'cassandra-driver', 'mqtt', 'cli-progress', 'hdr-histogram-js', 'pako']
      .filter((p) => keys.some((k) => k.includes('/node_modules/' + p + '/')));
    console.log(JSON.stringify({ count: keys.length, heavy }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

function pitowerArgs(port, extra) {
  return [
    ...NODE_FLAGS,
    join(ROOT, 'exporter', 'bin', 'pitower.js'),
    'exporter',
    `--web.listen-address=127.0.0.1:${port}`,
    `--path.sysfs=${join(ROOT, 'test', 'fixtures', 'sysfs', 'pi4')}`,
    `--path.procfs=${join(ROOT, 'test', 'fixtures', 'procfs', 'pi4')}`,
    ...extra,
  ];
}

const fmt = (n, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));

function verdict(value, target) {
  if (value === undefined) return '-';
  return value <= target ? 'met' : `missed by ${fmt(value - target)}`;
}

async function main() {
  if (!existsSync(join(ROOT, 'exporter', 'dist', 'cli.js'))) throw new Error('run `npm run build` first');
  const modules = loadedModules();
  const rows = [];
  rows.push({ ...(await bareNode()), target: '' });
  let port = await freePort();
  const pi = await measure('pitower exporter, Pi collectors only', process.execPath, pitowerArgs(port, []), port);
  rows.push({ ...pi, target: `RSS <= ${TARGETS.pi} MiB: ${verdict(pi.rss, TARGETS.pi)}; start < ${TARGETS.startMs} ms: ${pi.startMs < TARGETS.startMs ? 'met' : 'missed'}` });
  // The same with --log.format=json: what the logfmt transport's worker thread (pino-logfmt) costs.
  port = await freePort();
  const json = await measure('pitower exporter, Pi collectors only, --log.format=json', process.execPath, pitowerArgs(port, ['--log.format=json']), port);
  rows.push({ ...json, target: `RSS <= ${TARGETS.pi} MiB: ${verdict(json.rss, TARGETS.pi)}` });
  if (process.env.PITOWER_BENCH_KAFKA) {
    port = await freePort();
    const kafka = await measure('pitower exporter + --kafka.server', process.execPath, pitowerArgs(port, [`--kafka.server=${process.env.PITOWER_BENCH_KAFKA}`]), port);
    rows.push({ ...kafka, target: `RSS <= ${TARGETS.kafka} MiB: ${verdict(kafka.rss, TARGETS.kafka)}` });
  }
  if (existsSync(NODE_EXPORTER)) {
    port = await freePort();
    const ne = await measure('prometheus-node-exporter (Debian)', NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], port);
    rows.push({ ...ne, target: '' });
  }
  console.log(`modules loaded by the CLI at start: ${modules.count}; optional clients among them: ${modules.heavy.join(', ') || 'none'}`);
  console.log('');
  console.log(`| process | start to first /metrics 200 (ms) | RSS after ${SCRAPES} scrapes (MiB) | target |`);
  console.log('|---|---:|---:|---|');
  for (const r of rows) console.log(`| ${r.label} | ${fmt(r.startMs, 0)} | ${fmt(r.rss)} | ${r.target} |`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
