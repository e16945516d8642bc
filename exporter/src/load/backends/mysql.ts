import { createConnection as createCallbackConnection, type Connection as CallbackConnection } from 'mysql2';
import { createConnection, type ConnectionOptions } from 'mysql2/promise';
import { PitowerConnectionError, errorMessage } from '../../errors';
import { reconcileAudit, type SeqSet } from '../audit';
import type { LoadConfig } from '../options';
import type { Reading } from '../reading';
import { retryUntil } from '../../retry';
import { classifyCommonError, refusedHosts, type Backend, type ErrorReason } from './backend';

/** The load generator's MySQL settings; `idempotent` (the Kafka sink's table) keys the table on (producer, seq). */
type MysqlConfig = NonNullable<LoadConfig['mysql']> & { idempotent?: boolean };

export const READING_COLUMNS = ['producer', 'seq', 'host', 'location', 'timestamp_ms', 'note', 'value_celsius'] as const;

/** DDL of the readings table; (producer, seq) is indexed (not unique) so the audit can see duplicates. */
export function toCreateTableSql(table: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS \`${table}\` (` +
    'id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, ' +
    'producer VARCHAR(96) NOT NULL, seq BIGINT UNSIGNED NOT NULL, host VARCHAR(64) NOT NULL, ' +
    'location VARCHAR(64) NOT NULL, timestamp_ms BIGINT NOT NULL, note VARCHAR(255) NOT NULL, ' +
    'value_celsius DOUBLE NOT NULL, KEY producer_seq (producer, seq)) ENGINE=InnoDB'
  );
}

/**
 * DDL of an idempotent readings table (the Kafka sink's): (producer, seq) is the primary key, so a reading
 * delivered again (a restart, a rebalance) is the same row.
 */
export function toCreateIdempotentTableSql(table: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS \`${table}\` (` +
    'producer VARCHAR(96) NOT NULL, seq BIGINT UNSIGNED NOT NULL, host VARCHAR(64) NOT NULL, ' +
    'location VARCHAR(64) NOT NULL, timestamp_ms BIGINT NOT NULL, note VARCHAR(255) NOT NULL, ' +
    'value_celsius DOUBLE NOT NULL, PRIMARY KEY (producer, seq)) ENGINE=InnoDB'
  );
}

/**
 * `INSERT INTO t (cols) VALUES (?,...),(?,...)` for `rows` rows; `idempotent`: a row whose (producer, seq)
 * exists is left as it is (ON DUPLICATE KEY UPDATE of nothing: no warning, unlike INSERT IGNORE's).
 */
export function toInsertSql(table: string, rows: number, idempotent = false): string {
  const row = `(${READING_COLUMNS.map(() => '?').join(',')})`;
  const sql = `INSERT INTO \`${table}\` (${READING_COLUMNS.join(',')}) VALUES ${Array(rows).fill(row).join(',')}`;
  return idempotent ? `${sql} ON DUPLICATE KEY UPDATE seq = seq` : sql;
}

/** Flat parameter list for toInsertSql. */
export function toInsertParams(batch: Reading[]): (string | number)[] {
  const params: (string | number)[] = [];
  for (const r of batch) params.push(r.producer, r.seq, r.host, r.location, r.timestamp_ms, r.note, r.value_celsius);
  return params;
}

const MYSQL_TIMEOUT_CODES = new Set(['ER_LOCK_WAIT_TIMEOUT', 'ER_QUERY_TIMEOUT']);

/** The server refused the user, its password or its rights on the database. */
const MYSQL_AUTH_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE']);

export function classifyMysqlError(err: unknown): ErrorReason {
  const code = (err as { code?: string } | undefined)?.code;
  if (code && MYSQL_TIMEOUT_CODES.has(code)) return 'timeout';
  if (code && MYSQL_AUTH_CODES.has(code)) return 'auth';
  const common = classifyCommonError(err);
  if (common) return common;
  if (typeof (err as { sqlState?: unknown })?.sqlState === 'string') return 'rejected';
  return 'other';
}

/**
 * The hot path uses mysql2's callback API: its promise wrapper captures a stack trace per query, which cost
 * ~8 % of the CPU of a one-row-per-INSERT run (profiled).
 */
function openCallbackConnection(options: ConnectionOptions): Promise<CallbackConnection> {
  return new Promise((resolve, reject) => {
    const conn = createCallbackConnection(options);
    conn.connect((err) => {
      if (err) {
        conn.destroy();
        reject(err);
      } else resolve(conn);
    });
  });
}

function run(conn: CallbackConnection, sql: string, params?: (string | number)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err: unknown) => (err ? reject(err) : resolve());
    if (params) conn.execute(sql, params, done);
    else conn.query(sql, done);
  });
}

interface WorkerConnection {
  conn?: CallbackConnection;
  connecting?: Promise<CallbackConnection>;
  /** Readings inserted in the open transaction (commit-every > 1). */
  pending: Reading[];
}

/** Appended to "Access denied" when no password source was given. */
export const NO_PASSWORD_HINT =
  '(no password was given: set a password file (--[load.]mysql.password-file or $MYSQL_PASSWORD_FILE), $MYSQL_PASSWORD, the URL, or the systemd credential mysql-password)';

/**
 * MySQL/MariaDB through mysql2: one connection per worker (per unit of concurrency), `rows-per-statement`
 * rows per INSERT, and with `commit-every` N > 1 an explicit transaction committed every N rows per
 * connection (rows are acknowledged at COMMIT). A failed connection is dropped and reopened on the next
 * write; rows of a transaction that died with it are not acknowledged.
 */
export function createMysqlBackend(config: MysqlConfig): Backend {
  const target = `${config.host}:${config.port}/${config.database}`;
  const workers: WorkerConnection[] = [];
  const insertSql = new Map<number, string>();
  const connectTimeoutMs = 5000;
  const options = (timeoutMs: number): ConnectionOptions => ({
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    connectTimeout: Math.max(100, Math.min(timeoutMs, connectTimeoutMs)),
    supportBigNumbers: true,
  });

  const open = async (): Promise<CallbackConnection> => {
    const conn = await openCallbackConnection(options(connectTimeoutMs));
    conn.on('error', () => undefined); // a dead connection is noticed by the next query
    if (config.commitEvery > 1) await run(conn, 'SET autocommit = 0');
    return conn;
  };

  const connectionOf = (worker: number): WorkerConnection => {
    let w = workers[worker];
    if (!w) w = workers[worker] = { pending: [] };
    return w;
  };

  const drop = (w: WorkerConnection) => {
    const conn = w.conn;
    w.conn = undefined;
    w.pending = [];
    conn?.destroy();
  };

  const sqlFor = (rows: number) => {
    let sql = insertSql.get(rows);
    if (!sql) insertSql.set(rows, (sql = toInsertSql(config.table, rows, config.idempotent)));
    return sql;
  };

  return {
    name: 'mysql',
    target,
    batchSize: config.rowsPerStatement,
    info: { rows_per_statement: String(config.rowsPerStatement), commit_every: String(config.commitEvery) },

    async connect(deadlineMs) {
      try {
        const conn = await retryUntil(() => createConnection(options(deadlineMs - Date.now())), {
          deadlineMs,
          retriable: (err) => !refusedHosts(err) && (classifyMysqlError(err) === 'connection' || classifyMysqlError(err) === 'timeout'),
        });
        try {
          await conn.query(config.idempotent ? toCreateIdempotentTableSql(config.table) : toCreateTableSql(config.table));
        } finally {
          await conn.end().catch(() => conn.destroy());
        }
      } catch (err) {
        // The server says "(using password: NO)"; say where a password would have come from.
        const hint = config.password === undefined && (err as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR' ? ` ${NO_PASSWORD_HINT}` : '';
        throw new PitowerConnectionError(`mysql ${config.user}@${target}: ${errorMessage(err)}${hint}`, { cause: err });
      }
    },

    async write(batch, worker) {
      const w = connectionOf(worker);
      try {
        if (!w.conn) {
          w.connecting ??= open();
          try {
            w.conn = await w.connecting;
          } finally {
            w.connecting = undefined;
          }
        }
        await run(w.conn, sqlFor(batch.length), toInsertParams(batch));
      } catch (err) {
        drop(w);
        throw err;
      }
      if (config.commitEvery <= 1) return;
      w.pending.push(...batch);
      if (w.pending.length < config.commitEvery) return [];
      try {
        await run(w.conn, 'COMMIT');
      } catch (err) {
        drop(w);
        throw err;
      }
      const durable = w.pending;
      w.pending = [];
      return durable;
    },

    async flush() {
      const durable: Reading[] = [];
      for (const w of workers) {
        if (!w?.conn || w.pending.length === 0) continue;
        try {
          await run(w.conn, 'COMMIT');
          durable.push(...w.pending);
          w.pending = [];
        } catch {
          drop(w);
        }
      }
      return durable;
    },

    async audit(producer: string, acknowledged: SeqSet) {
      const conn = await createConnection(options(connectTimeoutMs));
      try {
        const [rows] = await conn.query(`SELECT seq, COUNT(*) AS n FROM \`${config.table}\` WHERE producer = ? GROUP BY seq`, [producer]);
        const seen = new Map<number, number>();
        for (const row of rows as { seq: number | string; n: number | string }[]) seen.set(Number(row.seq), Number(row.n));
        return reconcileAudit(acknowledged, seen);
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    },

    classifyError: classifyMysqlError,

    async close() {
      await Promise.all(
        workers.map(async (w) => {
          if (!w) return;
          const conn = w.conn;
          w.conn = undefined;
          if (conn) await Promise.race([new Promise((r) => conn.end(() => r(undefined))), new Promise((r) => setTimeout(r, 2000).unref())]);
          conn?.destroy();
        }),
      );
    },
  };
}
