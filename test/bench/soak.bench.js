#!/usr/bin/env node
/**
 * Memory soak of the real daemon (`pitower exporter` on the Pi 4 fixture tree): scraped 10 times a second
 * for PITOWER_SOAK_SECONDS (default 3600), then by 100 concurrent keep-alive scrapers for 30 s (beyond
 * --web.max-requests 40 they get 503), then at 10/s again for 60 s once they have gone. RSS (/proc/<pid>/status) and the V8 heap in use (its own nodejs_heap_size_used_bytes) are
 * sampled every 10 s. The reference is the daemon itself once settled: the median RSS of the soak's minutes
 * 10..20 (its first sixth to third when shorter). The soak's last-10-minutes median RSS, and the RSS 60 s
 * after the concurrent burst, must stay within 10 % of it. The RSS after a 60 s warm-up is printed too: a
 * Node daemon grows ~8 % in its first ten minutes (JIT code, V8's heap sizing) and then stays put; that is
 * start-up, not a leak, and a leak shows as growth after the settled window.
 *
 *   node test/bench/soak.bench.js            # 1 hour (npm run bench)
 *   PITOWER_SOAK_SECONDS=300 node test/bench/soak.bench.js
 */
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const http = require('node:http');

const ROOT = join(__dirname, '..', '..');
const SOAK_SECONDS = Number(process.env.PITOWER_SOAK_SECONDS || 3600);
const WARMUP_SECONDS = 60;
const RATE = 10;
const LIMIT = 1.1;
/** The node flags of the systemd unit: the daemon is measured as a Pi runs it. */
const NODE_FLAGS = execFileSync('bash', [join(ROOT, 'scripts', 'exporter-node-flags.sh')], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function startDaemon() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...NODE_FLAGS,
        join(ROOT, 'exporter', 'bin', 'pitower.js'),
        'exporter',
        '--web.listen-address=127.0.0.1:0',
        '--log.format=json',
        `--path.sysfs=${join(ROOT, 'test', 'fixtures', 'sysfs', 'pi4')}`,
        `--path.procfs=${join(ROOT, 'test', 'fixtures', 'procfs', 'pi4')}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let logs = '';
    const onData = (d) => {
      logs += d;
      const m = /"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(logs);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${logs}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
function scrape(port, via = agent) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', agent: via }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        // 503 is --web.max-requests shedding the excess of 100 concurrent scrapers (40 by default): counted, not an error.
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : res.statusCode === 503 ? resolve(undefined) : reject(new Error(`status ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

function rssMiB(pid) {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return kb / 1024;
}

function heapMiB(text) {
  const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return m ? Number(m[1]) / 2 ** 20 : NaN;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function steady(port, pid, seconds, samples) {
  const end = Date.now() + seconds * 1000;
  let next = Date.now();
  let lastSample = 0;
  let last = '';
  while (Date.now() < end) {
    last = (await scrape(port)) ?? last;
    if (Date.now() - lastSample >= 10_000) {
      lastSample = Date.now();
      samples.push({ t: Date.now(), rss: rssMiB(pid), heap: heapMiB(last) });
    }
    next += 1000 / RATE;
    await sleep(Math.max(0, next - Date.now()));
  }
  return last;
}

async function main() {
  const { child, port } = await startDaemon();
  try {
    const warm = [];
    await steady(port, child.pid, WARMUP_SECONDS, warm);
    const reference = median(warm.slice(-3).map((s) => s.rss));
    const soak = [];
    const started = Date.now();
    await steady(port, child.pid, SOAK_SECONDS, soak);
    const settledFrom = started + Math.min(600, SOAK_SECONDS / 6) * 1000;
    const settledTo = started + Math.min(1200, SOAK_SECONDS / 3) * 1000;
    const settled = median(soak.filter((s) => s.t >= settledFrom && s.t <= settledTo).map((s) => s.rss));
    const tail = soak.filter((s) => s.t >= Date.now() - Math.min(600, SOAK_SECONDS / 3) * 1000);
    const soakRss = median(tail.map((s) => s.rss));
    const soakHeap = median(tail.map((s) => s.heap));

    // 100 concurrent keep-alive scrapers for 30 s; then they go away and the usual 10/s goes on for 60 s.
    const burstAgent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    let burstScrapes = 0;
    let burstShed = 0;
    const burstEnd = Date.now() + 30_000;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (Date.now() < burstEnd) {
          if ((await scrape(port, burstAgent)) === undefined) burstShed++;
          else burstScrapes++;
        }
      }),
    );
    const burstPeak = rssMiB(child.pid);
    burstAgent.destroy();
    const afterSamples = [];
    const lastText = await steady(port, child.pid, 60, afterSamples);
    const after = rssMiB(child.pid);
    const heapAfter = heapMiB(lastText);

    const minutes = (Date.now() - started) / 60_000;
    const row = (name, v) => `| ${name} | ${v.toFixed(1)} | ${(v / reference).toFixed(2)}x | ${(v / settled).toFixed(2)}x |`;
    console.log(`daemon: node ${NODE_FLAGS.join(' ')} exporter/bin/pitower.js exporter (the systemd unit's flags)`);
    console.log(`soak: ${SOAK_SECONDS} s at ${RATE} scrapes/s (${minutes.toFixed(1)} min in all), ${burstScrapes} scrapes served and ${burstShed} shed (503) for 100 concurrent scrapers in 30 s`);
    console.log('| RSS MiB | value | vs 60 s warm-up | vs settled (reference) |');
    console.log('|---|---|---|---|');
    console.log(row('after the 60 s warm-up', reference));
    console.log(row('settled: soak minutes 10..20, median', settled));
    console.log(row('soak, median of the last 10 minutes', soakRss));
    console.log(row('peak right after 100 concurrent scrapers', burstPeak));
    console.log(row('60 s later at 10 scrapes/s', after));
    console.log(`heap used MiB: warm-up ${median(warm.slice(-3).map((s) => s.heap)).toFixed(1)}, soak ${soakHeap.toFixed(1)}, after the burst ${heapAfter.toFixed(1)}`);
    console.log(`RSS samples (MiB, every 10 s): ${soak.map((s) => s.rss.toFixed(0)).join(' ')}`);
    const ok = soakRss <= settled * LIMIT && after <= settled * LIMIT;
    console.log(`flat within ${Math.round((LIMIT - 1) * 100)} %: ${ok ? 'yes' : 'NO'}`);
    if (!ok) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    agent.destroy();
  }
}

main().catch((err) => {
  console.error(`soak.bench: ${err.message}`);
  process.exit(1);
});
