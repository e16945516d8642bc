/**
 * `pitower load --backend mqtt` against a real mosquitto (Debian's package) started for this file on its own
 * ports: one broker with anonymous access, one with users and a TLS listener.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import { auditOf, parseJsonSummary, runCli } from './run-cli';

let open: Mosquitto;
let secured: Mosquitto;
const USER = 'lab';
const PASSWORD = 'lab-test-pw';

beforeAll(async () => {
  [open, secured] = await Promise.all([startMosquitto(), startMosquitto({ users: { [USER]: PASSWORD }, tls: true })]);
}, 30000);

afterAll(async () => {
  await Promise.all([open?.destroy(), secured?.destroy()]);
});

/** A test's own subscriber: every message with its topic and arrival time. */
async function subscribe(url: string, topic: string): Promise<{ client: MqttClient; messages: { topic: string; at: number; seq: number }[] }> {
  const client = await connectAsync(url, { reconnectPeriod: 200, clientId: `test-${Math.random().toString(36).slice(2)}`, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 60 } });
  const messages: { topic: string; at: number; seq: number }[] = [];
  client.on('error', () => undefined);
  client.on('message', (t, payload) => messages.push({ topic: t, at: Date.now(), seq: (JSON.parse(payload.toString()) as { seq: number }).seq }));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, messages };
}

const mqtt = (url: string, ...rest: string[]) => ['load', '--backend', 'mqtt', '--mqtt.url', url, ...rest];

describe('load > mqtt (real mosquitto)', () => {
  test('QoS 1: every acknowledged reading arrives at the audit subscriber', async () => {
    const summary = parseJsonSummary(await runCli(mqtt(open.url(), '--count', '1000', '--concurrency', '8', '--host', 'qos1', '--audit', '--json')));
    expect(summary).toMatchObject({ backend: 'mqtt', transactions: 1000, errors: 0, target: `${open.url()}/pitower/qos1/temperature` });
    expect(summary.audit).toEqual({ acknowledged: 1000, found: 1000, lost: 0, duplicated: 0, unacknowledgedPresent: 0, note: expect.stringMatching(/^QoS 1: acknowledged = PUBACK/) });
    expect(summary.latency.p50).toBeGreaterThan(0);
  });

  test('QoS 0: acknowledged once written; the audit counts what arrived and says QoS 0 promises nothing', async () => {
    const summary = parseJsonSummary(await runCli(mqtt(open.url(), '--mqtt.qos', '0', '--count', '1000', '--concurrency', '8', '--host', 'qos0', '--audit', '--json')));
    expect(summary).toMatchObject({ transactions: 1000, errors: 0 });
    const audit = auditOf(summary);
    expect(audit.acknowledged).toBe(1000);
    // Every reading was written to the socket (acknowledged), so none can be "unacknowledged but present".
    expect(audit.found + audit.lost).toBe(1000);
    expect(audit.unacknowledgedPresent).toBe(0);
    expect((audit as { note?: string }).note).toMatch(/^QoS 0 is at most once/);
  });

  test('the topic template takes --host: a subscriber sees pitower/pi-7/temperature', async () => {
    const sub = await subscribe(open.url(), 'pitower/+/temperature');
    try {
      const summary = parseJsonSummary(await runCli(mqtt(open.url(), '--host', 'pi-7', '--count', '20', '--json')));
      expect(summary.transactions).toBe(20);
      const deadline = Date.now() + 5000;
      while (sub.messages.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(new Set(sub.messages.map((m) => m.topic))).toEqual(new Set(['pitower/pi-7/temperature']));
      expect(sub.messages).toHaveLength(20);
      const custom = parseJsonSummary(await runCli(mqtt(open.url(), '--host', 'pi-8', '--mqtt.topic', 'lab/{host}/t', '--count', '3', '--audit', '--json')));
      expect(custom.audit).toMatchObject({ acknowledged: 3, found: 3, lost: 0 });
    } finally {
      await sub.client.endAsync(true);
    }
  });

  test('username and password: from $MQTT_PASSWORD and --mqtt.password-file', async () => {
    const file = join(secured.dir, 'client-password');
    writeFileSync(file, `${PASSWORD}\n`);
    const fromEnv = parseJsonSummary(await runCli(mqtt(secured.url(), '--mqtt.username', USER, '--count', '10', '--audit', '--json'), { MQTT_PASSWORD: PASSWORD }));
    const fromFile = parseJsonSummary(await runCli(mqtt(secured.url(), '--mqtt.username', USER, '--mqtt.password-file', file, '--count', '10', '--json')));
    expect([fromEnv.transactions, fromFile.transactions]).toEqual([10, 10]);
    expect(fromEnv.audit).toMatchObject({ acknowledged: 10, found: 10, lost: 0 });
  });

  test.each([
    ['a wrong password', ['--mqtt.username', USER], { MQTT_PASSWORD: 'wrong' }],
    ['no credentials', [], {}],
  ])('%s: exit 2 at once, one line naming the broker and what to check', async (_what, args, env) => {
    const result = await runCli(mqtt(secured.url(), ...args, '--connect-timeout', '30s', '--count', '5'), env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`127.0.0.1:${secured.port}`);
    expect(result.stderr).toMatch(/Connection refused: (Not authorized|Bad User Name or Password) \(check --mqtt.username/);
    expect(result.ms).toBeLessThan(5000);
  });

  test('TLS: mqtts:// with --mqtt.ca-file; without the CA, exit 2 naming --mqtt.ca-file', async () => {
    const ca = secured.certificates?.ca ?? '';
    const summary = parseJsonSummary(
      await runCli(mqtt(secured.tlsUrl(), '--mqtt.ca-file', ca, '--mqtt.username', USER, '--host', 'tls', '--count', '50', '--audit', '--json'), { MQTT_PASSWORD: PASSWORD }),
    );
    expect(summary).toMatchObject({ transactions: 50, errors: 0, target: `${secured.tlsUrl()}/pitower/tls/temperature` });
    expect(summary.audit).toMatchObject({ acknowledged: 50, found: 50, lost: 0 });
    const untrusted = await runCli(mqtt(secured.tlsUrl(), '--mqtt.username', USER, '--count', '5'), { MQTT_PASSWORD: PASSWORD });
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr.trim().split('\n')).toHaveLength(1);
    expect(untrusted.stderr).toMatch(/certificate.*\(check --mqtt\.ca-file\)/);
    const skipped = parseJsonSummary(await runCli(mqtt(secured.tlsUrl(), '--mqtt.insecure-skip-tls-verify', '--mqtt.username', USER, '--count', '5', '--json'), { MQTT_PASSWORD: PASSWORD }));
    expect(skipped.transactions).toBe(5);
  });

  test('a refused port: exit 2 at once, one line', async () => {
    const port = open.port;
    await open.stop();
    try {
      const result = await runCli(mqtt(`mqtt://127.0.0.1:${port}`, '--connect-timeout', '30s', '--count', '5'));
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(new RegExp(`^pitower: cannot reach mqtt mqtt://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\(refused; not retried\\)$`, 'm'));
      expect(result.ms).toBeLessThan(5000);
    } finally {
      await open.start();
    }
  });

  test('a broker restart mid-run: errors counted by reason, the run reconnects and completes, nothing acknowledged is lost', async () => {
    const sub = await subscribe(open.url(), 'pitower/restart/temperature');
    try {
      const run = runCli(mqtt(open.url(), '--host', 'restart', '--duration', '6s', '--concurrency', '4', '--audit', '--json'));
      await new Promise((r) => setTimeout(r, 1500));
      await open.stop();
      await new Promise((r) => setTimeout(r, 1000));
      await open.start();
      const restartedAt = Date.now();
      const result = await run;
      const summary = parseJsonSummary(result);
      if (process.env.PITOWER_DEBUG) console.log(JSON.stringify(summary));
      expect(result.code).toBe(0);
      expect(summary.errors).toBeGreaterThan(0);
      expect(summary.errorsByReason.connection).toBeGreaterThan(0);
      expect(Object.keys(summary.errorsByReason).every((r) => ['connection', 'timeout'].includes(r))).toBe(true);
      const audit = auditOf(summary);
      expect(audit.acknowledged).toBe(summary.transactions);
      expect(audit.lost).toBe(0);
      expect(audit.unacknowledgedPresent).toBeLessThanOrEqual(summary.errors);
      // Readings went on after the restart, seen by an independent subscriber too.
      expect(sub.messages.filter((m) => m.at > restartedAt).length).toBeGreaterThan(0);
    } finally {
      await sub.client.endAsync(true);
    }
  }, 30000);

  test('a broker that stops answering (SIGSTOP) for longer than the publish timeout: timeouts counted, the run completes', async () => {
    const run = runCli(mqtt(open.url(), '--host', 'paused', '--duration', '9s', '--concurrency', '4', '--audit', '--json'));
    await new Promise((r) => setTimeout(r, 1500));
    open.pause();
    try {
      await new Promise((r) => setTimeout(r, 6000));
    } finally {
      open.resume();
    }
    const result = await run;
    const summary = parseJsonSummary(result);
    if (process.env.PITOWER_DEBUG) console.log(JSON.stringify(summary));
    expect(result.code).toBe(0);
    expect(summary.errorsByReason.timeout).toBeGreaterThanOrEqual(4);
    const audit = auditOf(summary);
    expect(audit.acknowledged).toBe(summary.transactions);
    expect(audit.lost).toBe(0);
    // The timed-out publishes reached the broker after all: present, though never acknowledged.
    expect(audit.unacknowledgedPresent).toBeGreaterThan(0);
    expect(audit.unacknowledgedPresent).toBeLessThanOrEqual(summary.errors);
  }, 30000);
});
