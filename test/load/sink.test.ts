/**
 * `pitower sink` on the real 3-node KRaft lab into a real MariaDB: the lab's "Kafka, then a database" step.
 * Killed mid-stream and restarted, the table holds every reading exactly once; a broker killed while it
 * sinks, it carries on. The table is read back with plain SQL, not through the sink's code.
 */
import { startKafkaLab, type KafkaLab } from '../lab/kafka';
import { PITOWER_BIN, startDaemonCommand, stopDaemon, type DaemonHandle } from '../support/exporter-process';
import { startMariaDb, type MariaDb } from '../support/mariadb';
import { parseSamples } from '../support/metrics-text';
import { parseJsonSummary, runCli } from './run-cli';

const TOPIC = 'readings';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sink: Kafka -> MariaDB on the real cluster', () => {
  let lab: KafkaLab;
  let db: MariaDb;
  const sinks: DaemonHandle[] = [];

  const startSink = async (): Promise<DaemonHandle> => {
    const sink = await startDaemonCommand(process.execPath, [PITOWER_BIN, 'sink'], [
      '--backend', 'mysql', '--kafka.server', lab.bootstrap.join(','), '--topic', TOPIC, '--mysql.url', db.url('sink'),
      '--rows-per-write', '50', '--concurrency', '2',
    ], 30_000);
    sinks.push(sink);
    return sink;
  };
  const rows = async () => Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM sink.kafka_reading'))[0].n);
  async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(200);
    }
  }
  const load = async (host: string, extra: string[]) =>
    parseJsonSummary(
      await runCli(['load', '--backend', 'kafka', '--kafka.server', lab.bootstrap.join(','), '--topic', TOPIC, '--host', host, '--acks', 'all', '--json', ...extra]),
    );

  beforeAll(async () => {
    [lab, db] = await Promise.all([startKafkaLab(), startMariaDb()]);
    await db.createDatabase('sink');
    await lab.createTopic(TOPIC, { assignment: [[1, 2, 3], [2, 3, 1], [3, 1, 2]] });
  }, 180_000);

  afterAll(async () => {
    for (const s of sinks) await stopDaemon(s, 'SIGKILL');
    await Promise.all([lab?.stop(), db?.destroy()]);
  });

  test('SIGKILLed mid-stream and restarted: the table holds every reading exactly once', async () => {
    const a = await load('pi-1', ['--count', '10000', '--mode', 'batch']);
    const b = await load('pi-2', ['--count', '10000', '--mode', 'batch']);
    expect(a.transactions + b.transactions).toBe(20_000);
    const first = await startSink();
    await until('a few thousand rows', 60_000, async () => (await rows()) >= 3000);
    await stopDaemon(first, 'SIGKILL');
    const atKill = await rows();
    expect(atKill).toBeLessThan(20_000);
    const second = await startSink();
    await until('every reading in the table', 90_000, async () => (await rows()) >= 20_000).catch((err: Error) => {
      throw new Error(`${err.message} (${atKill} at the kill)\n${second.logs().slice(-4000)}`);
    });
    await sleep(1000);
    const perProducer = await db.query<{ producer: string; n: number; lo: number; hi: number }>(
      'SELECT producer, COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi FROM sink.kafka_reading GROUP BY producer ORDER BY producer',
    );
    expect(perProducer.map((r) => [r.producer, Number(r.n), Number(r.lo), Number(r.hi)])).toEqual([
      [a.producer, 10_000, 0, 9_999],
      [b.producer, 10_000, 0, 9_999],
    ]);
    // the restarted sink caught up: nothing left to write, on /metrics
    const metrics = parseSamples(await (await fetch(`${second.url}/metrics`)).text());
    expect(metrics.filter((s) => s.name === 'pitower_sink_lag_records').reduce((n, s) => n + s.value, 0)).toBe(0);
    expect(metrics.find((s) => s.name === 'pitower_sink_rows_total')?.value).toBeGreaterThanOrEqual(20_000 - atKill);
    expect(metrics.find((s) => s.name === 'pitower_sink_batch_latency_seconds_count')?.value).toBeGreaterThan(0);
  }, 240_000);

  test('a broker SIGKILLed while it sinks: it carries on and every acknowledged reading reaches the table', async () => {
    const run = load('pi-3', ['--rate', '500', '--duration', '10s', '--concurrency', '16']);
    await sleep(3000);
    await lab.node(2).kill();
    const c = await run;
    expect(c.transactions).toBeGreaterThan(1000);
    const producerRows = async () => Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM sink.kafka_reading WHERE producer = ?', [c.producer]))[0].n);
    // acknowledged ones for certain; a reading whose ack was lost in the failover may be there too
    await until('every acknowledged reading of the run', 90_000, async () => (await producerRows()) >= c.transactions);
    expect(await producerRows()).toBeLessThanOrEqual(c.transactions + c.errors);
    await lab.heal();
  }, 180_000);
});
