/**
 * kafka_exporter's --sasl.* and --tls.* flags on the real broker: a 1-node KRaft lab with a SASL_PLAINTEXT
 * listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and an SSL listener requiring a client certificate, both
 * made by the lab (test/lab/kafka.ts, `secure`). The Kafka collector (`pitower exporter`) and the load
 * generator (`pitower load --backend kafka`, the same flags, one client factory) are run as a user runs
 * them: the built CLI as a child process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafkaLab, type KafkaLab, type KafkaLabSecurity } from '../lab/kafka';
import { runPitower, startDaemon, stopDaemon, type DaemonHandle } from '../support/exporter-process';
import { parseMetricsText } from '../support/metrics-text';

const FIXTURES = join(__dirname, '..', 'fixtures');
const SENSORS = [`--path.sysfs=${join(FIXTURES, 'sysfs', 'pi4')}`, `--path.procfs=${join(FIXTURES, 'procfs', 'pi4')}`];

let lab: KafkaLab;
let security: KafkaLabSecurity;
let dir: string;
/** The label every Kafka series carries by default: the lab's cluster id. */
let cluster: string;

beforeAll(async () => {
  lab = await startKafkaLab({ nodes: 1, secure: true });
  if (!lab.security) throw new Error('the lab started without its secured listeners');
  security = lab.security;
  cluster = `cluster="${lab.clusterId}"`;
  dir = mkdtempSync(join(tmpdir(), 'pitower-secure-kafka-'));
}, 180_000);

afterAll(async () => {
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A password file, as the systemd unit hands one (the password never goes on argv here). */
function passwordFile(name: string, password: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${password}\n`, { mode: 0o600 });
  return path;
}

async function scrape(daemon: DaemonHandle): Promise<Map<string, number>> {
  const res = await fetch(`${daemon.url}/metrics`);
  return parseMetricsText(await res.text());
}

/** Scrapes until `done` holds (the first poll runs right after start), or throws with the last scrape's numbers. */
async function until(daemon: DaemonHandle, what: string, done: (m: Map<string, number>) => boolean, timeoutMs = 20_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let last = new Map<string, number>();
  while (Date.now() < deadline) {
    last = await scrape(daemon);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const kafka = [...last].filter(([k]) => k.startsWith('pitower_kafka_') || k.startsWith('kafka_brokers'));
  throw new Error(`${what} not seen within ${timeoutMs} ms; last: ${JSON.stringify(kafka)}\n${daemon.logs().slice(-2000)}`);
}

const SASL_CASES: Array<[string, string]> = [
  ['plain', 'lab'],
  ['scram-sha256', 'lab'],
  ['scram-sha512', 'reader'],
];

describe('kafka > the real broker behind SASL and TLS listeners', () => {
  it.each(SASL_CASES)('collector with --sasl.mechanism %s (user %s): up, the broker listed and probed', async (mechanism, user) => {
    const daemon = await startDaemon([
      ...SENSORS,
      `--kafka.server=${security.saslBootstrap.join(',')}`,
      '--sasl.enabled',
      `--sasl.mechanism=${mechanism}`,
      `--sasl.username=${user}`,
      `--sasl.password-file=${passwordFile(`${mechanism}.pw`, security.saslUsers[user])}`,
    ]);
    try {
      // Up, and reporting: the reporter lease (a consumer group) works over SASL as the polls do.
      const m = await until(daemon, 'pitower_kafka_up 1 and the lease over SASL', (s) => s.get(`pitower_kafka_reporter{${cluster}}`) === 1 && s.has(`kafka_brokers{${cluster}}`));
      expect(m.get(`pitower_kafka_up{${cluster}}`)).toBe(1);
      expect(m.get(`kafka_brokers{${cluster}}`)).toBe(1);
      expect(m.get(`kafka_broker_info{${cluster},id="1",address="${security.saslBootstrap[0]}"}`)).toBe(1);
      // the broker probe (ApiVersions, answered before authentication) on the SASL listener
      expect(m.get(`pitower_kafka_broker_up{${cluster},broker="1",address="${security.saslBootstrap[0]}"}`)).toBe(1);
    } finally {
      await stopDaemon(daemon);
    }
  });

  it('collector with a wrong SASL password: up 0, the failure counted as an authentication error, no password in the log', async () => {
    const daemon = await startDaemon([
      ...SENSORS,
      `--kafka.server=${security.saslBootstrap.join(',')}`,
      '--sasl.enabled',
      '--sasl.mechanism=scram-sha512',
      '--sasl.username=lab',
      `--sasl.password-file=${passwordFile('wrong.pw', 'not-the-password')}`,
    ]);
    try {
      const m = await until(daemon, 'a metadata poll error', (s) => [...s.keys()].some((k) => k.startsWith('pitower_kafka_poll_errors_total{kind="metadata"')));
      expect(m.get('pitower_kafka_up')).toBe(0);
      const reasons = [...m.keys()].filter((k) => k.startsWith('pitower_kafka_poll_errors_total{kind="metadata"'));
      expect(reasons).toEqual(['pitower_kafka_poll_errors_total{kind="metadata",reason="KafkaJSSASLAuthenticationError"}']);
      expect(daemon.logs()).not.toContain('not-the-password');
    } finally {
      await stopDaemon(daemon);
    }
  });

  it('collector over mutual TLS (--tls.ca-file, --tls.cert-file, --tls.key-file): up, the broker listed', async () => {
    const daemon = await startDaemon([
      ...SENSORS,
      `--kafka.server=${security.tlsBootstrap.join(',')}`,
      '--tls.enabled',
      `--tls.ca-file=${security.caFile}`,
      `--tls.cert-file=${security.clientCertFile}`,
      `--tls.key-file=${security.clientKeyFile}`,
    ]);
    try {
      // Up, and reporting: the reporter lease (a consumer group) works over TLS as the polls do.
      const m = await until(daemon, 'pitower_kafka_up 1 and the lease over TLS', (s) => s.get(`pitower_kafka_reporter{${cluster}}`) === 1 && s.has(`kafka_brokers{${cluster}}`));
      expect(m.get(`pitower_kafka_up{${cluster}}`)).toBe(1);
      expect(m.get(`kafka_brokers{${cluster}}`)).toBe(1);
      expect(m.get(`kafka_broker_info{${cluster},id="1",address="${security.tlsBootstrap[0]}"}`)).toBe(1);
      // the broker probe speaks TLS with the client certificate too
      expect(m.get(`pitower_kafka_broker_up{${cluster},broker="1",address="${security.tlsBootstrap[0]}"}`)).toBe(1);
    } finally {
      await stopDaemon(daemon);
    }
  });

  it('collector over TLS without a client certificate: the broker refuses it, up 0', async () => {
    const daemon = await startDaemon([...SENSORS, `--kafka.server=${security.tlsBootstrap.join(',')}`, '--tls.enabled', `--tls.ca-file=${security.caFile}`]);
    try {
      const m = await until(daemon, 'a metadata poll error', (s) => [...s.keys()].some((k) => k.startsWith('pitower_kafka_poll_errors_total{kind="metadata"')));
      expect(m.get('pitower_kafka_up')).toBe(0);
    } finally {
      await stopDaemon(daemon);
    }
  });

  /** Both Kafka clients of the load generator reach a secured cluster with the same flags. */
  const KAFKA_CLIENTS = ['kafkajs', 'rdkafka'];
  const LOAD = ['load', '--backend', 'kafka', '--count', '300', '--concurrency', '4', '--audit', '--json', '--connect-timeout', '20s'];

  it.each(KAFKA_CLIENTS)('pitower load --backend kafka --kafka.client %s with --sasl.* (SCRAM-SHA-256): every acknowledged reading read back', async (client) => {
    const run = await runPitower(
      [...LOAD, '--kafka.client', client, '--topic', `secure-sasl-${client}`, `--kafka.server=${security.saslBootstrap.join(',')}`, '--sasl.enabled', '--sasl.mechanism=scram-sha256', '--sasl.username=lab', `--sasl.password-file=${passwordFile('load.pw', security.saslUsers.lab)}`],
      60_000,
    );
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const summary = JSON.parse(run.stdout) as { transactions: number; audit: { acknowledged: number; found: number; lost: number } };
    expect(summary.transactions).toBe(300);
    expect(summary.audit).toMatchObject({ acknowledged: 300, found: 300, lost: 0 });
  });

  it.each(KAFKA_CLIENTS)('pitower load --backend kafka --kafka.client %s with --tls.* (mutual TLS): every acknowledged reading read back', async (client) => {
    const run = await runPitower(
      [...LOAD, '--kafka.client', client, '--topic', `secure-tls-${client}`, `--kafka.server=${security.tlsBootstrap.join(',')}`, '--tls.enabled', `--tls.ca-file=${security.caFile}`, `--tls.cert-file=${security.clientCertFile}`, `--tls.key-file=${security.clientKeyFile}`],
      60_000,
    );
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const summary = JSON.parse(run.stdout) as { transactions: number; audit: { acknowledged: number; found: number; lost: number } };
    expect(summary.transactions).toBe(300);
    expect(summary.audit).toMatchObject({ acknowledged: 300, found: 300, lost: 0 });
  });

  it('pitower load without credentials against the SASL listener: a failed run with a one-line error naming the target, no stack trace', async () => {
    const run = await runPitower([...LOAD, '--topic', 'secure-none', '--connect-timeout', '5s', `--kafka.server=${security.saslBootstrap.join(',')}`], 60_000);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`kafka ${security.saslBootstrap[0]}`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
