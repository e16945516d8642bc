#!/usr/bin/env node
/**
 * /metrics latency and RSS of the Kafka collector at 100, 1,000 and 10,000 partitions. Synthetic snapshots
 * are injected at the poller boundary (KafkaMetrics.onMetadata/onOffsets, exactly what the poller calls),
 * so Kafka itself is not measured: this is the cost of a scrape. Each size runs in its own child process
 * (clean RSS) against a reference measured in the same process: a fastify app serving an empty
 * prom-client registry. Needs `npm run build` first (scripts/bench.sh does it).
 *
 *   node test/bench/kafka-metrics.bench.js            # table for every size
 *   node test/bench/kafka-metrics.bench.js --size N   # one size, JSON (used by the table run)
 */
'use strict';
const { execFileSync } = require('node:child_process');
const http = require('node:http');

const SIZES = [100, 1000, 10000];
const BROKERS = 5;
const PARTITIONS_PER_TOPIC = 10;

function toSnapshots(partitions) {
  const topics = [];
  const offsets = [];
  for (let t = 0; t * PARTITIONS_PER_TOPIC < partitions; t++) {
    const name = `topic-${String(t).padStart(4, '0')}`;
    const ps = [];
    for (let p = 0; p < PARTITIONS_PER_TOPIC && t * PARTITIONS_PER_TOPIC + p < partitions; p++) {
      const first = (t + p) % BROKERS;
      const replicas = [first + 1, ((first + 1) % BROKERS) + 1, ((first + 2) % BROKERS) + 1];
      const isr = p % 7 === 0 ? replicas.slice(0, 2) : replicas;
      ps.push({ topic: name, partition: p, leader: p % 13 === 0 ? replicas[1] : replicas[0], replicas, isr, minIsr: 2 });
      offsets.push({ topic: name, partition: p, high: 1_000_000 + p, low: 1000 });
    }
    topics.push({ name, partitions: ps });
  }
  const brokers = Array.from({ length: BROKERS }, (_, i) => ({ id: i + 1, host: `kafka-${i + 1}.example`, port: 9092, reachable: true }));
  const cluster = { takenAt: Date.now(), brokers, controllerId: 1, topics, droppedPartitions: 0 };
  // One consumer group committed on every partition (kafka_exporter's typical worst case is lag series).
  const group = {
    id: 'billing',
    topics: topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, offset: String(999_000 + p.partition) })) })),
  };
  return { cluster, offsets, groups: [group] };
}

/** One GET with node:http, the body drained as bytes (like a scraper; fetch's text decoding would dominate). */
function scrape(url, agent, gzip) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (response) => {
        let bytes = 0;
        response.on('data', (chunk) => {
          bytes += chunk.length;
        });
        response.on('end', () => resolve(bytes));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

async function measure(url, scrapes, warmup, gzip = false) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times = [];
  let bytes = 0;
  for (let i = 0; i < warmup + scrapes; i++) {
    const started = process.hrtime.bigint();
    bytes = await scrape(url, agent, gzip);
    if (i >= warmup) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { p50: q(0.5), p99: q(0.99), bytes };
}

/** Heap still in use after a full GC (needs --expose-gc; the table run passes it). */
function liveHeapMiB() {
  if (typeof global.gc !== 'function') return NaN;
  global.gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function runSize(partitions) {
  const Fastify = require('fastify');
  const { Registry } = require('prom-client');
  const { createExporter } = require('../../exporter/dist/http/server.js');
  const { KafkaMetrics } = require('../../exporter/dist/kafka/metrics.js');
  const { toOffsetsSnapshot } = require('../../exporter/dist/kafka/snapshot.js');

  const reference = Fastify({ logger: false });
  const empty = new Registry();
  reference.get('/metrics', async (_req, reply) => reply.type(empty.contentType).send(await empty.metrics()));
  const refUrl = await reference.listen({ host: '127.0.0.1', port: 0 });

  const synthetic = toSnapshots(partitions);
  let metrics;
  const extension = {
    name: 'kafka',
    async start({ registry }) {
      metrics = new KafkaMetrics(registry);
      metrics.onMetadata(synthetic.cluster);
      metrics.onOffsets(toOffsetsSnapshot(synthetic.offsets, synthetic.groups, Date.now()));
    },
    async stop() {},
    collector: { name: 'kafka', update: async () => metrics.publish() },
    exposition: () => metrics.exposition(),
  };
  const exporter = createExporter(
    {
      listenAddress: { host: '127.0.0.1', port: 0, text: '127.0.0.1:0' },
      telemetryPath: '/metrics',
      sysfs: '/nonexistent',
      procfs: '/nonexistent',
      logLevel: 'error',
      logFormat: 'json',
      collectors: [],
    },
    [extension],
    false,
  );
  const url = await exporter.listen({ host: '127.0.0.1', port: 0 });
  const scrapes = partitions >= 10000 ? 100 : partitions >= 1000 ? 500 : 2000;
  await new Promise((resolve) => setTimeout(resolve, 500)); // settle; the first warm-up scrape starts the one deflate of this generation
  const ref = [];
  const pit = [];
  const plain = [];
  for (let r = 0; r < 3; r++) {
    ref.push(await measure(`${refUrl}/metrics`, 1000, 100, true));
    pit.push(await measure(`${url}/metrics`, scrapes, 20, true));
    plain.push(await measure(`${url}/metrics`, Math.ceil(scrapes / 2), 5, false));
  }
  const median = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b)[1];
  const result = {
    partitions,
    p50: median(pit, 'p50'),
    p99: median(pit, 'p99'),
    refP50: median(ref, 'p50'),
    refP99: median(ref, 'p99'),
    bytes: plain[0].bytes,
    gzipBytes: pit[0].bytes,
    plainP50: median(plain, 'p50'),
    plainP99: median(plain, 'p99'),
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    liveMiB: liveHeapMiB(),
  };
  await exporter.close();
  await reference.close();
  return result;
}

function pad(s, n) {
  return String(s).padStart(n);
}

async function main() {
  const i = process.argv.indexOf('--size');
  if (i > 0) {
    process.stdout.write(`${JSON.stringify(await runSize(Number(process.argv[i + 1])))}\n`);
    return;
  }
  const rows = SIZES.map((n) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', __filename, '--size', String(n)], { encoding: 'utf8' })));
  console.log('Kafka collector /metrics (synthetic snapshots; reference = empty prom-client registry, same process)');
  console.log('p50/p99: scraped with Accept-Encoding: gzip as Prometheus does; plain p99: without it (curl, browsers)');
  console.log(
    `${pad('partitions', 10)} ${pad('body MiB', 9)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('ref p50', 8)} ${pad('ref p99', 8)} ${pad('p50/ref', 8)} ${pad('p99/ref', 8)} ${pad('plain p99', 9)} ${pad('gzip KiB', 9)} ${pad('RSS MiB', 8)} ${pad('live MiB', 9)} ${pad('Δlive/body', 10)}`,
  );
  const base = rows[0];
  for (const r of rows) {
    const body = r.bytes / 2 ** 20;
    const growth = r === base ? '-' : ((r.liveMiB - base.liveMiB) / (body - base.bytes / 2 ** 20)).toFixed(2);
    console.log(
      `${pad(r.partitions, 10)} ${pad(body.toFixed(2), 9)} ${pad(r.p50.toFixed(2), 8)} ${pad(r.p99.toFixed(2), 8)} ${pad(r.refP50.toFixed(2), 8)} ${pad(r.refP99.toFixed(2), 8)} ${pad((r.p50 / r.refP50).toFixed(1), 8)} ${pad((r.p99 / r.refP99).toFixed(1), 8)} ${pad(r.plainP99.toFixed(2), 9)} ${pad((r.gzipBytes / 1024).toFixed(0), 9)} ${pad(r.rssMiB.toFixed(0), 8)} ${pad(r.liveMiB.toFixed(1), 9)} ${pad(growth, 10)}`,
    );
  }
  console.log('live MiB = heap in use after a full GC; Δlive/body = growth of live heap per MiB of /metrics text (1.0 = only the text itself).');
  const big = rows[rows.length - 1];
  console.log(`target: p99 < 20 ms at ${big.partitions} partitions -> ${big.p99 < 20 ? 'met' : 'NOT met'} (${big.p99.toFixed(2)} ms)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
