/**
 * `pitower load --backend mysql` against a real MariaDB (Debian's mariadb-server) started for this file.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort, MARIADB_PASSWORD, startMariaDb, type MariaDb } from '../support/mariadb';
import { auditOf, parseJsonSummary, runCli } from './run-cli';

let db: MariaDb;

beforeAll(async () => {
  db = await startMariaDb();
}, 60000);

afterAll(async () => {
  await db?.destroy();
});

async function status(name: string): Promise<number> {
  const rows = await db.query<{ Value: string }>(`SHOW GLOBAL STATUS LIKE '${name}'`);
  return Number(rows[0].Value);
}

async function rowCount(database: string): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${database}\`.reading`);
  return Number(rows[0].n);
}

describe('load > mysql (real MariaDB)', () => {
  test('--count N writes exactly N rows; --json reports them and the audit finds every one', async () => {
    await db.createDatabase('count_n');
    const result = await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('count_n'), '--count', '500', '--concurrency', '4', '--audit', '--json']);
    const summary = parseJsonSummary(result);
    expect(summary).toMatchObject({ backend: 'mysql', transactions: 500, errors: 0 });
    expect(summary.audit).toEqual({ acknowledged: 500, found: 500, lost: 0, duplicated: 0, unacknowledgedPresent: 0 });
    expect(await rowCount('count_n')).toBe(500);
    const seqs = await db.query<{ lo: number; hi: number; d: number }>('SELECT MIN(seq) lo, MAX(seq) hi, COUNT(DISTINCT seq) d FROM count_n.reading');
    expect(seqs[0]).toEqual({ lo: 0, hi: 499, d: 500 });
    expect(summary.latency.p50).toBeGreaterThan(0);
    expect(summary.latency.p99).toBeGreaterThanOrEqual(summary.latency.p50);
  });

  test('--rows-per-statement 5: 100 rows in exactly 20 INSERT statements', async () => {
    await db.createDatabase('rows_per_statement');
    const before = await status('Com_insert');
    const summary = parseJsonSummary(await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('rows_per_statement'), '--count', '100', '--rows-per-statement', '5', '--json']));
    expect(summary.transactions).toBe(100);
    expect((await status('Com_insert')) - before).toBe(20);
    expect(await rowCount('rows_per_statement')).toBe(100);
  });

  test.each([
    // commit-every, count, concurrency, COMMIT statements
    [1, 10, 1, 0], // autocommit: no explicit COMMIT
    [4, 10, 1, 3], // 4 + 4 + the remaining 2 at the end
  ])('--commit-every %p, --count %p, --concurrency %p -> %p COMMITs, every row durable', async (commitEvery, count, concurrency, commits) => {
    const database = `commit_every_${commitEvery}_${concurrency}`;
    await db.createDatabase(database);
    const before = await status('Com_commit');
    const summary = parseJsonSummary(
      await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url(database), '--count', String(count), '--concurrency', String(concurrency), '--commit-every', String(commitEvery), '--audit', '--json']),
    );
    expect((await status('Com_commit')) - before).toBe(commits);
    expect(await rowCount(database)).toBe(count);
    expect(summary.audit).toMatchObject({ acknowledged: count, found: count, lost: 0 });
  });

  test('--commit-every with 2 connections: each commits its own rows; the last partial transactions at the end', async () => {
    await db.createDatabase('commit_every_c2');
    const before = await status('Com_commit');
    const summary = parseJsonSummary(
      await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('commit_every_c2'), '--count', '20', '--concurrency', '2', '--commit-every', '5', '--audit', '--json']),
    );
    // how the 20 rows split between the two connections is up to the scheduler: 10+10 gives 4 COMMITs,
    // anything else one more (one partial transaction per connection at most)
    const commits = (await status('Com_commit')) - before;
    expect(commits).toBeGreaterThanOrEqual(4);
    expect(commits).toBeLessThanOrEqual(5);
    expect(await rowCount('commit_every_c2')).toBe(20);
    expect(summary.audit).toMatchObject({ acknowledged: 20, found: 20, lost: 0 });
  });

  test('--concurrency 6 opens one connection per worker (plus one for the schema check)', async () => {
    await db.createDatabase('concurrency');
    const before = await status('Connections'); // this query's own connection is counted in `before`
    parseJsonSummary(await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('concurrency'), '--count', '600', '--concurrency', '6', '--json']));
    const opened = (await status('Connections')) - before - 1; // minus the second status query's connection
    expect(opened).toBe(7);
    expect(await rowCount('concurrency')).toBe(600);
  });

  test('--rate 200 for 5 s: within 5 % of the target rate', async () => {
    await db.createDatabase('rate');
    const summary = parseJsonSummary(await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('rate'), '--rate', '200', '--duration', '5s', '--concurrency', '4', '--json']));
    expect(await rowCount('rate')).toBe(1000);
    expect(summary.transactions).toBe(1000);
    expect(Math.abs(summary.tps - 200) / 200).toBeLessThan(0.05);
    expect(Math.abs(summary.seconds - 5) / 5).toBeLessThan(0.05);
    expect(summary).toMatchObject({ mode: 'open', rate: 200 });
  });

  test('a MariaDB restart mid-run: errors counted by reason, the run reconnects, counts stay consistent', async () => {
    await db.createDatabase('restart');
    const run = runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('restart'), '--duration', '6s', '--concurrency', '4', '--audit', '--json']);
    await new Promise((r) => setTimeout(r, 1000));
    await db.stop();
    await new Promise((r) => setTimeout(r, 500));
    await db.start();
    const restartedAt = Date.now();
    const summary = parseJsonSummary(await run);
    expect(summary.errors).toBeGreaterThan(0);
    expect(summary.errorsByReason.connection).toBeGreaterThan(0);
    const audit = auditOf(summary);
    expect(audit.lost).toBe(0);
    expect(audit.duplicated).toBe(0);
    expect(audit.acknowledged).toBe(summary.transactions);
    expect(audit.found).toBe(summary.transactions + audit.unacknowledgedPresent);
    expect(audit.unacknowledgedPresent).toBeLessThanOrEqual(summary.errors);
    expect(await rowCount('restart')).toBe(audit.found);
    const after = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM restart.reading WHERE timestamp_ms > ?', [restartedAt]);
    expect(Number(after[0].n)).toBeGreaterThan(0);
  }, 30000);

  test('password from --mysql.password-file or MYSQL_PASSWORD', async () => {
    await db.createDatabase('password');
    const file = join(db.dir, 'password');
    writeFileSync(file, `${MARIADB_PASSWORD}\n`);
    const fromFile = parseJsonSummary(await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('password', false), '--mysql.password-file', file, '--count', '5', '--json']));
    const fromEnv = parseJsonSummary(await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('password', false), '--count', '5', '--json'], { MYSQL_PASSWORD: MARIADB_PASSWORD }));
    expect([fromFile.transactions, fromEnv.transactions]).toEqual([5, 5]);
    expect(await rowCount('password')).toBe(10);
  });

  test('wrong password: exit 2 at once, one line naming the target', async () => {
    const result = await runCli(['load', '--backend', 'mysql', '--mysql.url', db.url('password', false), '--count', '5'], { MYSQL_PASSWORD: 'wrong' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`pitower@127.0.0.1:${db.port}/password`);
    expect(result.stderr).toContain('Access denied');
    expect(result.ms).toBeLessThan(2000);
  });

  test('refused port at start: exit 2 at once (not after --connect-timeout), one line naming the target', async () => {
    const port = await freePort();
    const result = await runCli(['load', '--backend', 'mysql', '--mysql.url', `mysql://pitower@127.0.0.1:${port}/lab`, '--connect-timeout', '30s', '--count', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^pitower: cannot reach mysql pitower@127\\.0\\.0\\.1:${port}/lab: .*ECONNREFUSED.*\\(refused; not retried\\)$`, 'm'));
    // A refusal is final: the run ends long before the 30 s it would have waited.
    expect(result.ms).toBeLessThan(10000);
  });

  test('a server that accepts and never answers: retried until --connect-timeout, then exit 2', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const result = await runCli(['load', '--backend', 'mysql', '--mysql.url', `mysql://pitower@127.0.0.1:${port}/lab`, '--connect-timeout', '1s', '--count', '5']);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/\(within --connect-timeout 1s\)$/m);
      expect(result.ms).toBeGreaterThanOrEqual(950);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
