/**
 * The load generator inside `pitower exporter` (--load.*): metrics on /metrics, promtool-clean, audit gauges
 * after a finished run, reconnect while the target is down, prompt shutdown.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { exporterOptionSpecs, resolveExporter } from '../../exporter/src/commands/exporter';
import { addOptions, optionSource } from '../../exporter/src/config/options';
import { createExporter } from '../../exporter/src/http/server';
import { startDaemon as startExporterProcess, stopDaemon } from '../support/exporter-process';
import { MARIADB_PASSWORD, startMariaDb, type MariaDb } from '../support/mariadb';
import { startMosquitto } from '../support/mosquitto';

let db: MariaDb;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  db = await startMariaDb();
}, 60000);

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

afterAll(async () => {
  await db?.destroy();
});

async function startDaemon(args: string[]): Promise<FastifyInstance> {
  const specs = exporterOptionSpecs();
  const command = addOptions(new Command('exporter').exitOverride(), specs);
  command.parse(['--web.listen-address', '127.0.0.1:0', '--path.sysfs', '/nonexistent', ...args], { from: 'user' });
  const { config, extensions } = resolveExporter(optionSource(command, specs, { env: {} }));
  if (!extensions.some((e) => e.name === 'load')) throw new Error('load module not enabled');
  const app = createExporter(config, extensions, false);
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

/** Over real HTTP (fastify's inject pulls an ESM-only dependency that jest cannot load). */
async function metrics(app: FastifyInstance): Promise<string> {
  const address = app.addresses()[0];
  return (await fetch(`http://127.0.0.1:${(address as { port: number }).port}/metrics`)).text();
}

/** The value of the one sample whose name and labels start with `prefix`. */
function sample(text: string, prefix: string): number {
  const lines = text.split('\n').filter((l) => l.startsWith(prefix));
  if (lines.length !== 1) throw new Error(`expected one sample ${prefix}, got ${lines.length}`);
  return Number(lines[0].split(' ').pop());
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('load > daemon module', () => {
  test('a finished MySQL run: exact counters, latency histogram, info, audit gauges; promtool-clean', async () => {
    await db.createDatabase('daemon');
    const app = await startDaemon(['--load.backend', 'mysql', '--load.mysql.url', db.url('daemon'), '--load.count', '300', '--load.concurrency', '3', '--load.audit']);
    await waitFor(async () => (await metrics(app)).includes('pitower_load_audit_lost_readings{'), 20000);
    const text = await metrics(app);
    const target = `127.0.0.1:${db.port}/daemon`;
    expect(sample(text, `pitower_load_transactions_total{backend="mysql",target="${target}"}`)).toBe(300);
    expect(sample(text, 'pitower_load_errors_total{backend="mysql",reason="connection"}')).toBe(0);
    expect(sample(text, 'pitower_load_latency_seconds_count{backend="mysql"}')).toBe(300);
    expect(sample(text, 'pitower_load_latency_seconds_bucket{le="0.0001",backend="mysql"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'pitower_load_latency_seconds_bucket{le="10",backend="mysql"}')).toBe(300);
    expect(sample(text, 'pitower_load_concurrency_limit ')).toBe(3);
    expect(sample(text, 'pitower_load_target_rate ')).toBe(0);
    expect(sample(text, 'pitower_load_inflight ')).toBe(0);
    expect(sample(text, 'pitower_load_audit_acknowledged_readings{backend="mysql"}')).toBe(300);
    expect(sample(text, 'pitower_load_audit_found_readings{backend="mysql"}')).toBe(300);
    expect(sample(text, 'pitower_load_audit_lost_readings{backend="mysql"}')).toBe(0);
    expect(sample(text, 'pitower_load_audit_duplicated_readings{backend="mysql"}')).toBe(0);
    expect(text).toContain(
      `pitower_load_info{backend="mysql",target="${target}",loop="closed",mode="",acks="",compression="",topic="",rows_per_statement="1",commit_every="1",consistency="",partition_key=""} 1`,
    );
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  test('target down at start: connection errors counted, the run starts once the server is back', async () => {
    await db.createDatabase('daemon_down');
    await db.stop();
    let app: FastifyInstance;
    try {
      app = await startDaemon(['--load.backend', 'mysql', '--load.mysql.url', db.url('daemon_down'), '--load.count', '50', '--load.connect-timeout', '200ms']);
      await waitFor(async () => sample(await metrics(app), 'pitower_load_errors_total{backend="mysql",reason="connection"}') >= 2, 10000);
      expect(sample(await metrics(app), 'pitower_load_transactions_total{')).toBe(0);
    } finally {
      await db.start();
    }
    await waitFor(async () => sample(await metrics(app), 'pitower_load_transactions_total{') === 50, 30000);
    expect(Number((await db.query<{ n: number }>('SELECT COUNT(*) n FROM daemon_down.reading'))[0].n)).toBe(50);
  }, 45000);

  test('MQTT: a finished audited run on /metrics; a wrong password is counted as auth and retried', async () => {
    const broker = await startMosquitto({ users: { lab: 'lab-pw' } });
    try {
      const mqtt = ['--load.backend', 'mqtt', '--load.mqtt.url', broker.url(), '--load.mqtt.username', 'lab', '--load.host', 'pi-d'];
      const app = await startDaemon([...mqtt, '--load.mqtt.password', 'lab-pw', '--load.count', '200', '--load.audit']);
      await waitFor(async () => (await metrics(app)).includes('pitower_load_audit_lost_readings{'), 20000);
      const text = await metrics(app);
      const target = `${broker.url()}/pitower/pi-d/temperature`;
      expect(sample(text, `pitower_load_transactions_total{backend="mqtt",target="${target}"}`)).toBe(200);
      expect(sample(text, 'pitower_load_audit_found_readings{backend="mqtt"}')).toBe(200);
      expect(sample(text, 'pitower_load_audit_lost_readings{backend="mqtt"}')).toBe(0);
      expect(text).toContain(`pitower_load_info{backend="mqtt",target="${target}",loop="closed",mode="",acks="qos1",compression="",topic="pitower/pi-d/temperature",`);
      const denied = await startDaemon([...mqtt, '--load.mqtt.password', 'wrong', '--load.count', '5']);
      await waitFor(async () => sample(await metrics(denied), 'pitower_load_errors_total{backend="mqtt",reason="auth"}') >= 2, 10000);
      expect(sample(await metrics(denied), 'pitower_load_transactions_total{')).toBe(0);
    } finally {
      await Promise.all(apps.splice(0).map((a) => a.close()));
      await broker.destroy();
    }
  }, 45000);

  test('open loop without an end: target rate exported, stops promptly on close', async () => {
    const app = await startDaemon(['--load.backend', 'null', '--load.rate', '500', '--load.concurrency', '2']);
    await new Promise((r) => setTimeout(r, 500));
    const text = await metrics(app);
    expect(sample(text, 'pitower_load_target_rate ')).toBe(500);
    expect(sample(text, 'pitower_load_transactions_total{backend="null",target=""}')).toBeGreaterThan(150);
    expect(text).toContain('pitower_load_info{backend="null",target="",loop="open"');
    const started = Date.now();
    apps.splice(0);
    await app.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('started as the systemd unit does: the password from LoadCredential= or MYSQL_PASSWORD_FILE, none on the command line', async () => {
    await db.createDatabase('unit');
    // systemd puts LoadCredential=mysql-password:/etc/pitower/mysql-password at $CREDENTIALS_DIRECTORY/mysql-password.
    const credentials = join(db.dir, 'credentials');
    mkdirSync(credentials, { recursive: true });
    writeFileSync(join(credentials, 'mysql-password'), `${MARIADB_PASSWORD}\n`);
    const config = join(db.dir, 'pitower.yml');
    writeFileSync(config, ['load:', '  backend: mysql', `  mysql.url: ${db.url('unit', false)}`, '  count: 40', 'path.sysfs: /nonexistent', ''].join('\n'));
    const { MYSQL_PASSWORD: _, ...env } = process.env;
    const variants: Array<[string, NodeJS.ProcessEnv]> = [
      ['LoadCredential=', { ...env, CREDENTIALS_DIRECTORY: credentials }],
      ['MYSQL_PASSWORD_FILE=%d/mysql-password', { ...env, CREDENTIALS_DIRECTORY: credentials, MYSQL_PASSWORD_FILE: join(credentials, 'mysql-password') }],
    ];
    for (const [how, variantEnv] of variants) {
      const daemon = await startExporterProcess([`--config.file=${config}`], 15000, variantEnv);
      try {
        const scrape = async () => (await fetch(`${daemon.url}/metrics`)).text();
        await waitFor(async () => (await scrape()).includes('pitower_load_transactions_total{backend="mysql",target="127.0.0.1:'), 10000);
        await waitFor(async () => sample(await scrape(), 'pitower_load_transactions_total{') === 40, 20000);
        const text = await scrape();
        expect([how, sample(text, 'pitower_load_errors_total{backend="mysql",reason="connection"}')]).toEqual([how, 0]);
      } finally {
        expect((await stopDaemon(daemon)).code).toBe(0);
      }
    }
    expect(Number((await db.query<{ n: number }>('SELECT COUNT(*) n FROM unit.reading'))[0].n)).toBe(80);
    // Without any password source, the error says where one would come from.
    const daemon = await startExporterProcess([`--config.file=${config}`], 15000, env);
    try {
      await waitFor(async () => daemon.logs().includes('Access denied'), 10000);
      expect(daemon.logs()).toContain('(no password was given: set a password file');
    } finally {
      await stopDaemon(daemon);
    }
  }, 60000);
});
