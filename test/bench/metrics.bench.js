#!/usr/bin/env node
/**
 * /metrics latency of the exporter's thermal collectors (Pi 4 fixture tree) over a few thousand scrapes,
 * against a reference measured in the same run: a fastify app serving an empty prom-client registry.
 * Prints p50/p99 per side, their ratio, and RSS. Needs `npm run build` first (scripts/bench.sh does it).
 */
'use strict';
const { join } = require('node:path');
const Fastify = require('fastify');
const { Registry } = require('prom-client');
const { createExporter } = require('../../exporter/dist/http/server.js');

const SCRAPES = Number(process.env.BENCH_SCRAPES || 3000);
const WARMUP = 200;

async function measure(url) {
  const times = [];
  for (let i = 0; i < WARMUP + SCRAPES; i++) {
    const started = process.hrtime.bigint();
    const response = await fetch(url);
    await response.text();
    if (i >= WARMUP) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { p50: q(0.5), p99: q(0.99) };
}

async function main() {
  const reference = Fastify({ logger: false });
  const empty = new Registry();
  reference.get('/metrics', async (_req, reply) => reply.type(empty.contentType).send(await empty.metrics()));
  const refUrl = await reference.listen({ host: '127.0.0.1', port: 0 });

  const exporter = createExporter(
    {
      listenAddress: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' },
      telemetryPath: '/metrics',
      sysfs: join(__dirname, '..', 'fixtures', 'sysfs', 'pi4'),
      procfs: join(__dirname, '..', 'fixtures', 'procfs', 'pi4'),
      logLevel: 'error',
      logFormat: 'json',
      collectors: ['thermal', 'throttling', 'cpufreq', 'model'],
    },
    [],
    false,
  );
  const url = await exporter.listen({ host: '127.0.0.1', port: 0 });

  // Alternate the two sides in rounds so machine noise hits both alike.
  const rounds = 3;
  const ref = [];
  const pit = [];
  for (let r = 0; r < rounds; r++) {
    ref.push(await measure(`${refUrl}/metrics`));
    pit.push(await measure(`${url}/metrics`));
  }
  const median = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rss = process.memoryUsage().rss / 2 ** 20;
  const rows = [
    ['side', 'p50 ms', 'p99 ms'],
    ['empty registry (reference)', median(ref, 'p50').toFixed(3), median(ref, 'p99').toFixed(3)],
    ['pitower thermal collectors (Pi 4)', median(pit, 'p50').toFixed(3), median(pit, 'p99').toFixed(3)],
    ['ratio pitower/reference', (median(pit, 'p50') / median(ref, 'p50')).toFixed(2) + 'x', (median(pit, 'p99') / median(ref, 'p99')).toFixed(2) + 'x'],
  ];
  console.log(`/metrics latency, ${SCRAPES} scrapes x ${rounds} rounds per side (median of rounds)`);
  for (const row of rows) console.log(row[0].padEnd(38) + row[1].padStart(10) + row[2].padStart(10));
  console.log(`RSS after the run: ${rss.toFixed(1)} MiB (both servers in one process)`);
  await exporter.close();
  await reference.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
