/**
 * Secrets stay secret: the daemon with a MySQL URL holding a password (against a real MariaDB, once right
 * and once wrong) and SASL credentials for Kafka, logging at debug level — neither password appears on
 * `/`, on `/metrics` or anywhere in the log.
 */
import { join } from 'node:path';
import { freePort } from '../support/server-process';
import { startDaemon, stopDaemon } from '../support/exporter-process';
import { MARIADB_PASSWORD, startMariaDb, type MariaDb } from '../support/mariadb';

const SASL_SECRET = 'kafka-Sekr1t-pw';
const FIXTURES = join(__dirname, '..', 'fixtures');

let db: MariaDb;
beforeAll(async () => {
  db = await startMariaDb();
  await db.createDatabase('secrets');
}, 60_000);
afterAll(async () => {
  await db?.destroy();
});

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('exporter > secrets', () => {
  test.each([
    ['the right MySQL password', MARIADB_PASSWORD, /pitower_load_transactions_total\{[^}]*\} [1-9]/],
    // Access denied is logged and counted as auth (not connection).
    ['a wrong MySQL password', 'Wr0ng-pw-x', /pitower_load_errors_total\{backend="mysql",reason="auth"\} [1-9]/],
  ])('%s and SASL credentials: in no page and no log line', async (_name, password, progress) => {
    const url = db.url('secrets', true).replace(MARIADB_PASSWORD, encodeURIComponent(password));
    const kafkaPort = await freePort();
    const daemon = await startDaemon([
      '--log.level=debug',
      `--path.sysfs=${join(FIXTURES, 'sysfs', 'pi4')}`,
      `--path.procfs=${join(FIXTURES, 'procfs', 'pi4')}`,
      '--load.backend=mysql',
      '--load.rate=20',
      `--load.mysql.url=${url}`,
      `--kafka.server=127.0.0.1:${kafkaPort}`,
      '--sasl.enabled',
      '--sasl.username=lab',
      `--sasl.password=${SASL_SECRET}`,
    ]);
    try {
      let metrics = '';
      await waitFor('the load generator to report', async () => {
        metrics = await (await fetch(`${daemon.url}/metrics`)).text();
        return progress.test(metrics) && /kafka metadata poll failed/.test(daemon.logs());
      });
      const landing = await (await fetch(`${daemon.url}/`)).text();
      expect(landing).toContain('mysql');
      for (const secret of [password, encodeURIComponent(password), SASL_SECRET]) {
        expect({ where: '/metrics', found: metrics.includes(secret) }).toEqual({ where: '/metrics', found: false });
        expect({ where: '/', found: landing.includes(secret) }).toEqual({ where: '/', found: false });
        expect({ where: 'log', found: daemon.logs().includes(secret) }).toEqual({ where: 'log', found: false });
      }
      // The debug log did say things (the test would pass on an empty log otherwise).
      expect(daemon.logs()).toMatch(/"level":"debug"/);
    } finally {
      await stopDaemon(daemon);
    }
    expect(daemon.logs()).not.toContain(SASL_SECRET);
    expect(daemon.logs()).not.toContain(password);
  }, 60_000);
});
