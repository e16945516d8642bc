#!/usr/bin/env node
/**
 * pitower's Kafka collector beside kafka_exporter v1.9.0 on the real 3-node KRaft lab (test/lab/kafka.ts),
 * in one run, at each size (partitions in all; BENCH_KAFKA_SIZES, default "1000,10000"):
 *   - scrape p50/p99 of /metrics (Accept-Encoding: gzip, as Prometheus asks) and RSS after the scrapes;
 *   - seconds from a fault to the exporter showing it: SIGKILL of the leader of bench-probe/0 (leader
 *     change) and SIGSTOP of a follower (ISR shrink), polled through /metrics every 100 ms.
 * Both exporters refresh metadata every 1 s (pitower --kafka.metadata-interval 1s, kafka_exporter
 * --refresh.metadata=1s). The bulk topics have 100 partitions each, RF 2; bench-probe has 3, RF 3.
 * A fresh cluster per size. Needs `npm run build` (scripts/bench.sh does it), java, mvn and go.
 */
'use strict';
require('../../scripts/ts-require');
const { readFileSync } = require('node:fs');
const http = require('node:http');
const { startKafkaLab } = require('../lab/kafka.ts');
const { startKafkaExporter } = require('../lab/kafka-exporter.ts');
const { startDaemon, stopDaemon } = require('../support/exporter-process.ts');
const { parseSamples } = require('../support/metrics-text.ts');

const SIZES = (process.env.BENCH_KAFKA_SIZES ?? '1000,10000').split(',').map(Number);
const SCRAPES = { pitower: Number(process.env.BENCH_KAFKA_SCRAPES ?? 200), kafka_exporter: Number(process.env.BENCH_KAFKA_PEER_SCRAPES ?? 30) };
const PER_TOPIC = 100;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** Scrape latency to the last byte as the server sent it (gzip), not counting this client's inflate. */
function timeScrape(url) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
          else resolve({ bytes, ms: Number(process.hrtime.bigint() - started) / 1e6 });
        });
      })
      .on('error', reject);
  });
}

async function scrape(url) {
  const res = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return { text };
}

const value = (text, name, labels) =>
  parseSamples(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

/** Seconds until `read()` satisfies `check`, polled every 100 ms; Infinity after timeoutMs. */
async function secondsUntil(read, check, timeoutMs) {
  const started = Date.now();
  for (;;) {
    const got = await read().catch(() => undefined);
    if (got !== undefined && check(got)) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) return Infinity;
    await sleep(100);
  }
}
const untilShown = (url, check, timeoutMs) => secondsUntil(async () => (await scrape(url)).text, check, timeoutMs);
/** The reference: when the cluster itself reports it (a fresh kafkajs metadata request every 100 ms). */
const untilCluster = (lab, check, timeoutMs) => secondsUntil(async () => (await lab.describeTopic('bench-probe'))[0], check, timeoutMs);
const FAULT_TIMEOUT_MS = 120_000;

async function benchSize(partitions) {
  const lab = await startKafkaLab({ heapMb: 768 });
  const exporters = [];
  try {
    await lab.createTopic('bench-probe', { assignment: [[1, 2, 3], [2, 3, 1], [3, 1, 2]] });
    const admin = lab.kafka('bench').admin();
    await admin.connect();
    const bulk = partitions - 3;
    const topics = [];
    for (let i = 0; i * PER_TOPIC < bulk; i++) topics.push({ topic: `bulk-${String(i).padStart(4, '0')}`, numPartitions: Math.min(PER_TOPIC, bulk - i * PER_TOPIC), replicationFactor: 2 });
    const created = Date.now();
    for (let i = 0; i < topics.length; i += 20) await admin.createTopics({ topics: topics.slice(i, i + 20), waitForLeaders: false, timeout: 60_000 });
    await admin.disconnect();
    process.stderr.write(`  ${partitions} partitions created in ${((Date.now() - created) / 1000).toFixed(1)} s\n`);

    const pitower = await startDaemon([...lab.bootstrap.map((b) => `--kafka.server=${b}`), '--kafka.metadata-interval=1s', '--kafka.offsets-interval=15s', '--kafka.max-partitions=0'], 60_000);
    exporters.push(() => stopDaemon(pitower));
    const peer = await startKafkaExporter(lab.bootstrap);
    exporters.push(() => peer.stop());
    const sides = [
      { name: 'pitower', url: `${pitower.url}/metrics`, pid: pitower.child.pid },
      { name: 'kafka_exporter', url: peer.url, pid: peer.pid },
    ];
    const all = (text) => parseSamples(text).filter((s) => s.name === 'kafka_topic_partitions').reduce((sum, s) => sum + s.value, 0) >= partitions;
    for (const side of sides) {
      if (!Number.isFinite(await untilShown(side.url, all, 180_000))) throw new Error(`${side.name} did not show ${partitions} partitions within 180 s`);
    }
    const rows = [];
    for (const side of sides) {
      const times = [];
      let gzipBytes = 0;
      for (let i = 0; i < SCRAPES[side.name]; i++) {
        const { bytes, ms } = await timeScrape(side.url);
        times.push(ms);
        gzipBytes = bytes;
      }
      const bytes = (await scrape(side.url)).text.length;
      times.sort((a, b) => a - b);
      rows.push({ side: side.name, partitions, p50: quantile(times, 0.5), p99: quantile(times, 0.99), rss: rssMiB(side.pid), mib: bytes / 2 ** 20, gzipKiB: gzipBytes / 1024 });
    }

    // Leader change: SIGKILL the leader of bench-probe/0 (node 1); both exporters watched at once.
    const probe0 = { topic: 'bench-probe', partition: '0' };
    await lab.node(1).kill();
    const leaderSeconds = await Promise.all([
      untilCluster(lab, (p) => p.leader !== 1, FAULT_TIMEOUT_MS),
      ...sides.map((side) => untilShown(side.url, (t) => [2, 3].includes(value(t, 'kafka_topic_partition_leader', probe0)), FAULT_TIMEOUT_MS)),
    ]);
    await lab.node(1).restart();
    await lab.waitForTopic('bench-probe', 'ISR whole', (ps) => ps.every((p) => p.isr.length === 3), 120_000);
    await lab.electPreferredLeaders('bench-probe', [0, 1, 2]);
    for (const side of sides) await untilShown(side.url, (t) => value(t, 'kafka_topic_partition_leader', probe0) === 1 && value(t, 'kafka_topic_partition_in_sync_replica', probe0) === 3, FAULT_TIMEOUT_MS);
    // ISR shrink: SIGSTOP a follower of bench-probe/0 (node 3).
    lab.node(3).pause();
    const shrinkSeconds = await Promise.all([
      untilCluster(lab, (p) => p.isr.length === 2, FAULT_TIMEOUT_MS),
      ...sides.map((side) => untilShown(side.url, (t) => value(t, 'kafka_topic_partition_in_sync_replica', probe0) === 2, FAULT_TIMEOUT_MS)),
    ]);
    lab.node(3).resume();
    rows.forEach((row, i) => Object.assign(row, { leader: leaderSeconds[i + 1], shrink: shrinkSeconds[i + 1] }));
    return { rows, cluster: { partitions, leader: leaderSeconds[0], shrink: shrinkSeconds[0] } };
  } finally {
    for (const stop of exporters.reverse()) await stop().catch(() => undefined);
    await lab.stop();
  }
}

async function main() {
  const rows = [];
  const reference = [];
  for (const size of SIZES) {
    process.stderr.write(`kafka-real: ${size} partitions\n`);
    const result = await benchSize(size);
    process.stderr.write(`  ${JSON.stringify(result)}\n`);
    rows.push(...result.rows);
    reference.push(result.cluster);
  }
  const s = (x) => (Number.isFinite(x) ? x.toFixed(1) : `> ${FAULT_TIMEOUT_MS / 1000}`);
  console.log(`Kafka ${process.env.PITOWER_KAFKA_VERSION || '4.1.0'} lab, 3 KRaft nodes on this machine; scrapes with Accept-Encoding: gzip; ${SCRAPES.pitower} / ${SCRAPES.kafka_exporter} scrapes`);
  console.log('| partitions | exporter | scrape p50 ms | scrape p99 ms | body MiB | gzip KiB | RSS MiB | leader change shown s | ISR shrink shown s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.partitions.toLocaleString('en')} | ${r.side} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.mib.toFixed(2)} | ${r.gzipKiB.toFixed(0)} | ${r.rss.toFixed(0)} | ${s(r.leader)} | ${s(r.shrink)} |`);
  }
  for (const c of reference) {
    console.log(`| ${c.partitions.toLocaleString('en')} | the cluster itself (reference: metadata request every 100 ms) | | | | | | ${s(c.leader)} | ${s(c.shrink)} |`);
  }
  for (const size of SIZES) {
    const [ours, theirs] = [rows.find((r) => r.partitions === size && r.side === 'pitower'), rows.find((r) => r.partitions === size && r.side === 'kafka_exporter')];
    console.log(`${size} partitions: pitower/kafka_exporter scrape p50 ${(ours.p50 / theirs.p50).toFixed(3)}x, p99 ${(ours.p99 / theirs.p99).toFixed(3)}x, RSS ${(ours.rss / theirs.rss).toFixed(2)}x`);
  }
}

main().catch((err) => {
  process.stderr.write(`kafka-real bench: ${err.stack ?? err}\n`);
  process.exit(1);
});
