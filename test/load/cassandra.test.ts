/**
 * `pitower load --backend cassandra` against a real Apache Cassandra 5.0 (test/lab/cassandra.ts): two nodes,
 * keyspace RF 2, faults made by stopping and killing the real nodes. And the real driver against nothing.
 */
import { types } from 'cassandra-driver';
import { type CassandraLab, startCassandraLab } from '../lab/cassandra';
import { freePort } from '../support/mariadb';
import { type CliResult, parseJsonSummary, runCli } from './run-cli';

describe('load > cassandra (no server)', () => {
  test('every contact point refuses: exit 2 at once with one line naming them and the DC', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const result = await runCli(['load', '--backend', 'cassandra', '--cassandra.contact-point', `127.0.0.1:${a},127.0.0.1:${b}`, '--cassandra.local-dc', 'dc-pi', '--connect-timeout', '30s', '--count', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^pitower: cannot reach cassandra 127\\.0\\.0\\.1:${a},127\\.0\\.0\\.1:${b} \\(dc dc-pi\\): .*\\(refused; not retried\\)$`, 'm'));
    expect(result.ms).toBeLessThan(10000);
  });
});

// The tests below run in order on one 2-node lab: each leaves the cluster in the state the next one starts from.
describe('load > cassandra (real 2-node cluster, RF 2)', () => {
  let lab: CassandraLab;
  beforeAll(async () => {
    lab = await startCassandraLab({ nodes: 2 });
    // Ready means serving QUORUM writes, not only listening: right after the second node joins (and on a
    // machine still busy with the suite before), the first writes can time out. 20 in a row must succeed.
    await lab.execute("CREATE KEYSPACE IF NOT EXISTS warmup WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
    await lab.execute('CREATE TABLE IF NOT EXISTS warmup.w (k int PRIMARY KEY)');
    const deadline = Date.now() + 60_000;
    for (let ok = 0, k = 0; ok < 20; k++) {
      if (Date.now() > deadline) throw new Error('the 2-node Cassandra lab did not serve 20 QUORUM writes in a row within 60 s');
      try {
        await lab.execute('INSERT INTO warmup.w (k) VALUES (?)', [k], types.consistencies.quorum);
        ok++;
      } catch {
        ok = 0;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }, 300_000);
  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  const load = (table: string, args: string[]): Promise<CliResult> =>
    runCli([
      'load',
      '--backend', 'cassandra',
      '--cassandra.contact-point', lab.contactPoints.join(','),
      '--cassandra.keyspace', 'lab',
      '--cassandra.replication-factor', '2',
      '--cassandra.table', table,
      '--connect-timeout', '20s',
      '--json',
      ...args,
    ]);
  const rowCount = async (table: string, consistency?: types.consistencies): Promise<number> =>
    Number((await lab.execute(`SELECT count(*) AS n FROM lab.${table}`, [], consistency)).rows[0].n);

  test('both nodes up: QUORUM writes all succeed and the audit reads at ALL and finds every one', async () => {
    const summary = parseJsonSummary(await load('reading', ['--cassandra.consistency', 'quorum', '--count', '300', '--audit']));
    expect(summary.transactions).toBe(300);
    expect(summary.errors).toBe(0);
    expect(summary.audit).toMatchObject({ acknowledged: 300, found: 300, lost: 0, duplicated: 0, readAt: 'all' });
    expect(await rowCount('reading')).toBe(300);
  }, 120_000);

  test('a partition-key choice that differs from the existing table: exit 2, one line naming table, key and flag, nothing written', async () => {
    const result = await load('reading', ['--cassandra.partition-key', 'location', '--count', '50']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'pitower: --cassandra.partition-key location: table lab.reading already exists with partition key location-date; use --cassandra.partition-key location-date or another --cassandra.table',
    ]);
    expect(result.stdout).toBe('');
    expect(await rowCount('reading')).toBe(300);
  }, 60_000);

  test('node 2 down: QUORUM writes fail as unavailable (not connection), ONE writes go on, the audit falls back and says it read at ONE', async () => {
    await lab.node(2).stop();
    await lab.waitForPeerState(2, 'DOWN');

    const quorum = await load('reading', ['--cassandra.consistency', 'quorum', '--count', '40']);
    const failed = parseJsonSummary(quorum);
    expect(failed.transactions).toBe(0);
    expect(failed.errors).toBe(40);
    expect(failed.errorsByReason).toEqual({ unavailable: 40 });

    const one = parseJsonSummary(await load('reading', ['--cassandra.consistency', 'one', '--count', '200', '--audit']));
    expect(one.transactions).toBe(200);
    expect(one.errors).toBe(0);
    expect(one.audit).toMatchObject({ acknowledged: 200, found: 200, lost: 0, readAt: 'one' });
    expect(String((one.audit as { readAtNote?: string }).readAtNote)).toMatch(/missing ones may sit on replicas not asked/);

    // The table view of the same fallback.
    const table = await runCli(['load', '--backend', 'cassandra', '--cassandra.contact-point', lab.nodes[0].address, '--cassandra.keyspace', 'lab', '--cassandra.table', 'reading', '--cassandra.consistency', 'one', '--count', '20', '--audit']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ *audit read at +ONE: one replica answered/m);
    expect(await rowCount('reading', 1 /* one */)).toBe(300 + 200 + 20);
  }, 120_000);

  test('the last node crashes during an audited run: the audit failure is in --json and one stderr line, exit 3', async () => {
    const run = load('crash', ['--cassandra.consistency', 'one', '--duration', '8s', '--audit']);
    // Let the run write for a while (the table exists once rows can be counted), then crash the only live node.
    const deadline = Date.now() + 30_000;
    while ((await rowCount('crash', 1).catch(() => 0)) < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await lab.node(1).kill();
    const result = await run;
    expect(result.code).toBe(3);
    const summary = JSON.parse(result.stdout.trim()) as { transactions: number; errors: number; audit: { error: string } };
    expect(summary.transactions).toBeGreaterThanOrEqual(100);
    expect(summary.errors).toBeGreaterThan(0);
    expect(summary.audit.error).toMatch(/^audit of cassandra 127\.0\.0\.1:\d+,127\.0\.0\.2:\d+ failed: read at ONE: (no node is up to ask|every node failed: 127\.0\.0\.1:\d+: .+)/);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([`pitower: ${summary.audit.error}`]);
    expect(result.stderr).not.toMatch(/\bat \w+.*\(.*:\d+:\d+\)/);
  }, 120_000);
});

describe('load > cassandra (real node, commitlog_sync: batch)', () => {
  let lab: CassandraLab;
  beforeAll(async () => {
    lab = await startCassandraLab({ nodes: 1, commitlogSync: 'batch' });
  }, 240_000);
  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  test('a node SIGKILLed mid-run and restarted still holds every acknowledged reading (the README durability claim)', async () => {
    const run = runCli(['load', '--backend', 'cassandra', '--cassandra.contact-point', lab.contactPoints[0], '--cassandra.table', 'durable', '--concurrency', '8', '--duration', '6s', '--json']);
    const rows = async (): Promise<number> => Number((await lab.execute('SELECT count(*) AS n FROM pitower.durable')).rows[0].n);
    const deadline = Date.now() + 30_000;
    while ((await rows().catch(() => 0)) < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await lab.node(1).kill();
    const summary = JSON.parse((await run).stdout.trim()) as { transactions: number; errors: number };
    expect(summary.transactions).toBeGreaterThanOrEqual(500);
    expect(summary.errors).toBeGreaterThan(0);
    await lab.node(1).restart();
    // Every acknowledged write survived the crash; at most the writes in flight at the kill (8) are extra.
    const stored = await rows();
    expect(stored).toBeGreaterThanOrEqual(summary.transactions);
    expect(stored).toBeLessThanOrEqual(summary.transactions + 8);
  }, 180_000);
});
