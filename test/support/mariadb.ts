/**
 * A real MariaDB (Debian's mariadb-server) for tests and benchmarks: a fresh datadir in a temp dir, a private
 * 127.0.0.1 port and socket, run as the current user. Never relies on a server already running.
 *
 *   const db = await startMariaDb();          // install-db + mariadbd, waits until ready
 *   await db.createDatabase('t1');            // a database and a user `pitower` with a password
 *   db.url('t1')                              // mysql://pitower:secret@127.0.0.1:PORT/t1
 *   await db.stop(); await db.start();        // restart on the same datadir and port
 *   await db.destroy();                       // stop and remove the temp dir (always call it, in afterAll)
 *
 * `npm run demo` starts its MariaDB here too, passing `spawn` (its own supervised child) and `errorLog`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { destroyOnce, freePort, startOrDestroy, stopChild } from './server-process';

export const MARIADB_USER = 'pitower';
export const MARIADB_PASSWORD = 'pitower-test-pw';

export interface MariaDb {
  port: number;
  socket: string;
  dir: string;
  /** URL with user and password for a database created by createDatabase. */
  url(database: string, withPassword?: boolean): string;
  /** Creates `database` (dropping it first) and grants the test user all on it. */
  createDatabase(database: string): Promise<void>;
  /** A root connection over the socket (caller closes it). */
  rootConnection(database?: string): Promise<Connection>;
  /** Runs one SQL query as root; returns the rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server (SIGTERM, then SIGKILL after 20 s); the datadir is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same datadir, port and socket. */
  start(): Promise<void>;
  /** Stops the server and removes the temp dir. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface MariaDbOptions {
  /** innodb_flush_log_at_trx_commit; tests use 2 (no fsync per commit) to be quick. */
  flushLogAtTrxCommit?: 0 | 1 | 2;
  maxConnections?: number;
  /**
   * Starts mariadbd (default: a child with its output piped into the start-up error message). The demo passes
   * its own: a process group of its own, output in its log dir, an unexpected exit noticed. stop() still
   * stops what it returns.
   */
  spawn?: (bin: string, args: string[]) => ChildProcess;
  /** mariadbd's error log (--log-error); default error.log in the temp dir. */
  errorLog?: string;
}

/** A free TCP port on 127.0.0.1 (bound and released; small race accepted). */
export { freePort };

function mariadbdPath(): string {
  for (const p of ['/usr/sbin/mariadbd', '/usr/sbin/mysqld']) if (existsSync(p)) return p;
  throw new Error('mariadbd not found: install the Debian package mariadb-server (scripts/provision.sh does)');
}

export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'pitower-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const user = process.getuid?.() === 0 ? 'root' : (process.env.USER ?? 'root');
  const install = spawnSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${datadir}`, `--user=${user}`, '--skip-test-db', '--auth-root-authentication-method=socket', '--skip-name-resolve'],
    { encoding: 'utf8', timeout: 60000 },
  );
  if (install.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (${install.status}): ${install.stderr || install.stdout}`);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';

  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--user=${user}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=48M',
    `--innodb-flush-log-at-trx-commit=${options.flushLogAtTrxCommit ?? 2}`,
    `--max-connections=${options.maxConnections ?? 200}`,
    '--performance-schema=OFF',
    `--log-error=${options.errorLog ?? join(dir, 'error.log')}`,
  ];
  const launch = options.spawn ?? ((bin: string, argv: string[]) => spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] }));

  async function start(): Promise<void> {
    log = '';
    const proc = launch(mariadbdPath(), args);
    child = proc;
    proc.stdout?.on('data', (d) => (log += d));
    proc.stderr?.on('data', (d) => (log += d));
    let exited = false;
    proc.once('exit', () => (exited = true));
    const deadline = Date.now() + 60000;
    for (;;) {
      if (exited) throw new Error(`mariadbd exited during start-up: ${log.slice(-2000)}`);
      try {
        const conn = await createConnection({ socketPath: socket, user: 'root' });
        await conn.end();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`mariadbd not ready after 60 s: ${log.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    await stopChild(proc, 20000);
  }

  async function rootConnection(database?: string): Promise<Connection> {
    return createConnection({ socketPath: socket, user: 'root', database, multipleStatements: true });
  }

  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const conn = await rootConnection();
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    } finally {
      await conn.end();
    }
  }

  const db: MariaDb = {
    port,
    socket,
    dir,
    url: (database, withPassword = true) =>
      `mysql://${MARIADB_USER}${withPassword ? `:${MARIADB_PASSWORD}` : ''}@127.0.0.1:${port}/${database}`,
    async createDatabase(database) {
      await query(
        `DROP DATABASE IF EXISTS \`${database}\`; CREATE DATABASE \`${database}\`;` +
          `CREATE USER IF NOT EXISTS '${MARIADB_USER}'@'127.0.0.1' IDENTIFIED BY '${MARIADB_PASSWORD}';` +
          `GRANT ALL ON \`${database}\`.* TO '${MARIADB_USER}'@'127.0.0.1';`,
      );
    },
    rootConnection,
    query,
    stop,
    start,
    destroy: destroyOnce(stop, dir),
  };
  return startOrDestroy(db);
}
