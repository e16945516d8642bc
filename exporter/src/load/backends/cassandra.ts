import { Client, types } from 'cassandra-driver';
import { PitowerConfigError, PitowerConnectionError, errorMessage } from '../../errors';
import { reconcileAudit, type SeqSet } from '../audit';
import type { LoadConfig } from '../options';
import type { Reading } from '../reading';
import { retryUntil, withDeadline } from '../../retry';
import { classifyCommonError, refusedHosts, type Backend, type ErrorReason } from './backend';

type CassandraConfig = NonNullable<LoadConfig['cassandra']>;

/** CREATE KEYSPACE for a lab cluster (SimpleStrategy; production clusters create their own keyspace). */
export function toCreateKeyspaceCql(keyspace: string, replicationFactor: number): string {
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`;
}

/**
 * The readings table. The partition key is the lab's question:
 * - `location`: PRIMARY KEY ((location), date, producer, seq) — one partition per location; with one location
 *   every write lands on the same replicas (the lab found this spreads badly);
 * - `location-date`: PRIMARY KEY ((location, date), producer, seq) — a new partition per day.
 */
export function toCreateTableCql(keyspace: string, table: string, partitionKey: CassandraConfig['partitionKey']): string {
  const key = partitionKey === 'location' ? '(location), date, producer, seq' : '(location, date), producer, seq';
  return (
    `CREATE TABLE IF NOT EXISTS ${keyspace}.${table} (location text, date date, producer text, seq bigint, ` +
    `host text, timestamp timestamp, note text, value_celsius double, PRIMARY KEY (${key}))`
  );
}

export function toInsertCql(keyspace: string, table: string): string {
  return `INSERT INTO ${keyspace}.${table} (location, date, producer, seq, host, timestamp, note, value_celsius) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
}

/** The audit's read-back of one producer in one partition (both key choices have location, date, producer leading). */
export function toAuditSelectCql(keyspace: string, table: string): string {
  return `SELECT seq FROM ${keyspace}.${table} WHERE location = ? AND date = ? AND producer = ?`;
}

/** UTC day of a reading, `YYYY-MM-DD`: the `date` column. */
export function toReadingDate(timestampMs: number): string {
  return new Date(timestampMs).toISOString().slice(0, 10);
}

/** Bound values of toInsertCql, in order. */
export function toInsertParams(r: Reading): unknown[] {
  return [r.location, types.LocalDate.fromString(toReadingDate(r.timestamp_ms)), r.producer, types.Long.fromNumber(r.seq), r.host, new Date(r.timestamp_ms), r.note, r.value_celsius];
}

/** Every UTC day from `fromMs` to `toMs`, for the audit. */
export function toDaysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = Date.UTC(new Date(fromMs).getUTCFullYear(), new Date(fromMs).getUTCMonth(), new Date(fromMs).getUTCDate()); t <= toMs; t += 86400000) {
    days.push(toReadingDate(t));
  }
  return days;
}

export const CONSISTENCY_CODES: Record<CassandraConfig['consistency'], number> = {
  any: types.consistencies.any,
  one: types.consistencies.one,
  two: types.consistencies.two,
  three: types.consistencies.three,
  quorum: types.consistencies.quorum,
  all: types.consistencies.all,
  local_quorum: types.consistencies.localQuorum,
  each_quorum: types.consistencies.eachQuorum,
  local_one: types.consistencies.localOne,
};

/** What the server said in one response error (the driver's ResponseError code). */
function reasonOfResponse(code: number | undefined): ErrorReason {
  const c = types.responseErrorCodes;
  if (code === c.writeTimeout || code === c.readTimeout) return 'timeout';
  if (code === c.unavailableException) return 'unavailable';
  if (code === c.overloaded || code === c.isBootstrapping) return 'overloaded';
  if (code === c.badCredentials || code === c.unauthorized) return 'auth';
  return 'rejected';
}

/** Reasons a server gave outrank a failure to reach it: two hosts "unavailable" and one "connection" is unavailable. */
const SERVER_REASONS: ErrorReason[] = ['unavailable', 'timeout', 'overloaded', 'auth', 'rejected'];

/**
 * The reason of a write error. The driver's retry policy wraps what each host answered (Unavailable with a
 * replica down, say) in a NoHostAvailableError: the per-host errors are unwrapped and the server's answer
 * counts; `connection` only when no host answered at all.
 */
export function classifyCassandraError(err: unknown): ErrorReason {
  const e = err as { name?: string; code?: number; innerErrors?: Record<string, unknown> } | undefined;
  const name = e?.name;
  if (name === 'OperationTimedOutError') return 'timeout';
  if (name === 'ResponseError') return reasonOfResponse(e?.code);
  if (name === 'NoHostAvailableError') {
    const inner = Object.values(e?.innerErrors ?? {}).map(classifyCassandraError);
    for (const reason of SERVER_REASONS) if (inner.includes(reason)) return reason;
    return 'connection';
  }
  if (name === 'BusyConnectionError') return 'connection';
  if (name === 'AuthenticationError') return 'auth';
  return classifyCommonError(err) ?? 'other';
}

/**
 * One line for a driver error: a NoHostAvailableError's own message ("All host(s) tried for query failed.")
 * names no reason, so each host's first line follows it, or that no host was up to try.
 */
export function describeCassandraError(err: unknown): string {
  const e = err as { name?: string; innerErrors?: Record<string, unknown> } | undefined;
  const first = errorMessage(err).split('\n')[0].trim();
  if (e?.name !== 'NoHostAvailableError') return first;
  const inner = Object.entries(e.innerErrors ?? {});
  if (inner.length === 0) return 'no node is up to ask (the driver has marked every contact point down)';
  return `every node failed: ${inner.map(([host, ie]) => `${host}: ${errorMessage(ie).split('\n')[0].trim()}`).join('; ')}`;
}

/**
 * The partition key of an existing table from `system_schema.columns` rows, as the --cassandra.partition-key
 * value that creates it ('location', 'location-date'), or the columns themselves, "(a, b)", for any other.
 */
export function partitionKeyOf(rows: { column_name: string; kind: string; position: number }[]): string {
  const columns = rows
    .filter((r) => r.kind === 'partition_key')
    .sort((a, b) => a.position - b.position)
    .map((r) => r.column_name);
  const joined = columns.join(',');
  if (joined === 'location') return 'location';
  if (joined === 'location,date') return 'location-date';
  return `(${columns.join(', ')})`;
}

/**
 * CQL's reserved words (Cassandra 5.0's org/apache/cassandra/cql3/reserved_keywords.txt): unquoted, they
 * cannot name a keyspace or table, and the server's answer ("no viable alternative at input 'select'")
 * does not say so.
 */
const CQL_RESERVED_WORDS = new Set(
  ('ADD ALLOW ALTER AND APPLY ASC AUTHORIZE BATCH BEGIN BY COLUMNFAMILY CREATE DELETE DESC DESCRIBE DROP ENTRIES EXECUTE FROM FULL ' +
    'GRANT IF IN INDEX INFINITY INSERT INTO IS KEYSPACE LIMIT MATERIALIZED MODIFY NAN NORECURSIVE NOT NULL OF ON OR ORDER PRIMARY ' +
    'RENAME REVOKE SCHEMA SELECT SET TABLE TO TOKEN TRUNCATE UNLOGGED UPDATE USE USING VIEW WHERE WITH').split(' '),
);

/** The flag whose value is a CQL reserved word, as one line; undefined when both names can be used unquoted. */
export function toReservedWordProblem(keyspace: string, table: string): string | undefined {
  for (const [flag, name] of [['keyspace', keyspace], ['table', table]]) {
    if (CQL_RESERVED_WORDS.has(name.toUpperCase())) return `--cassandra.${flag} ${name}: "${name}" is a CQL reserved word and cannot name a ${flag}; choose another name`;
  }
  return undefined;
}

/**
 * How Cassandra stores an unquoted name: folded to lower case (CREATE KEYSPACE MyLab makes `mylab`), so
 * system_schema must be asked for the folded one.
 */
export function toStoredName(name: string): string {
  return name.toLowerCase();
}

/** The per-host errors of a NoHostAvailableError, or the error itself as the only one. */
function innerErrorsOf(err: unknown): unknown[] {
  const e = err as { name?: string; innerErrors?: Record<string, unknown> | null } | undefined;
  if (e?.name === 'NoHostAvailableError') return Object.values(e.innerErrors ?? {});
  return [err];
}

/**
 * Whether no contact point resolved to an address (the driver tried no host). Like a refusal it will not
 * change by waiting a few seconds, so `pitower load` says so at once; the daemon still retries it (DNS may
 * come up after it at boot).
 */
export function isUnresolved(err: unknown): boolean {
  const e = err as { name?: string; innerErrors?: Record<string, unknown> | null } | undefined;
  return e?.name === 'NoHostAvailableError' && Object.keys(e.innerErrors ?? {}).length === 0;
}

/**
 * Why a connect attempt (the driver's connect, before any statement) cannot succeed however long it is
 * retried, as one line naming what to change; undefined when waiting may help (a node starting, a timeout).
 * - AuthenticationError: the cluster runs PasswordAuthenticator (pitower load sends no credentials);
 * - ArgumentError: the driver rejected the configuration, in practice --cassandra.local-dc naming a data
 *   centre the cluster does not have.
 */
export function toConnectConfigProblem(err: unknown, config: Pick<CassandraConfig, 'contactPoints' | 'localDc'>): string | undefined {
  const target = config.contactPoints.join(',');
  const inner = innerErrorsOf(err) as { name?: string }[];
  const auth = inner.find((ie) => ie?.name === 'AuthenticationError');
  if (auth) {
    return (
      `cassandra ${target} refused the connection: authentication failed (${errorMessage(auth).split('\n')[0].trim()}); ` +
      'pitower load connects without credentials: use a cluster with authenticator: AllowAllAuthenticator'
    );
  }
  const argument = inner.find((ie) => ie?.name === 'ArgumentError');
  if (argument) return `--cassandra.local-dc ${config.localDc}: cassandra ${target}: ${errorMessage(argument).split('\n')[0].trim()}`;
  return undefined;
}

/**
 * A schema statement the server refused to run (a syntax or invalid-request error, say), as the end of one
 * line ("rejected CREATE TABLE ...: <why> (check <flags>)"); undefined for errors that are not the server's
 * verdict on the CQL (a timeout, a lost connection: those stay connection problems).
 */
export function toSchemaProblem(err: unknown, statement: string, flags: string): string | undefined {
  const e = err as { name?: string; code?: number } | undefined;
  const c = types.responseErrorCodes;
  const verdicts: number[] = [c.syntaxError, c.invalid, c.configError, c.unauthorized, c.alreadyExists];
  if (e?.name !== 'ResponseError' || e.code === undefined || !verdicts.includes(e.code)) return undefined;
  return `rejected ${statement}: ${errorMessage(err).split('\n')[0].trim()} (check ${flags})`;
}

/** What an audit read at each consistency level can prove, for the summary. */
export const AUDIT_LEVEL_NOTES: Record<'all' | 'quorum' | 'one', string> = {
  all: 'every replica answered: a missing reading is lost',
  quorum: 'a majority of replicas answered: a reading acknowledged at QUORUM or above that is missing is lost',
  one: 'one replica answered (others down): found readings are stored; missing ones may sit on replicas not asked',
};

/**
 * Cassandra through the DataStax driver: prepared inserts at the chosen consistency. The driver pools
 * connections and reconnects by itself; `--connect-timeout` bounds the first contact.
 */
export function createCassandraBackend(config: CassandraConfig, connectTimeoutSeconds: number, location: string): Backend {
  const target = config.contactPoints.join(',');
  // A driver Client cannot connect again after shutdown(): every connect attempt (the daemon retries
  // after a failed schema step) gets a new one.
  const createClient = () =>
    new Client({
      contactPoints: config.contactPoints,
      localDataCenter: config.localDc,
      socketOptions: { connectTimeout: Math.min(5000, connectTimeoutSeconds * 1000), readTimeout: 10000 },
      queryOptions: { consistency: CONSISTENCY_CODES[config.consistency], prepare: true },
    });
  let client = createClient();
  const insert = toInsertCql(config.keyspace, config.table);
  const startMs = Date.now();
  let closed = false;

  return {
    name: 'cassandra',
    target,
    batchSize: 1,
    info: { consistency: config.consistency, partition_key: config.partitionKey },

    async connect(deadlineMs) {
      if (closed) client = createClient();
      closed = false;
      const reserved = toReservedWordProblem(config.keyspace, config.table);
      if (reserved) throw new PitowerConfigError(reserved);
      const schemaStep = async (statement: string, flags: string, run: () => Promise<unknown>): Promise<void> => {
        try {
          await run();
        } catch (err) {
          const problem = toSchemaProblem(err, statement, flags);
          throw problem ? new PitowerConfigError(`cassandra ${target} ${problem}`, { cause: err }) : err;
        }
      };
      try {
        // Every contact point refusing (the driver's NoHostAvailableError lists each) fails at once, and so
        // does an answer that will not change by waiting (bad credentials, an unknown data centre).
        await retryUntil(() => withDeadline(client.connect(), deadlineMs, `no answer from ${target}`), {
          deadlineMs,
          retriable: (err) => !refusedHosts(err) && !isUnresolved(err) && toConnectConfigProblem(err, config) === undefined,
        });
        await schemaStep(`CREATE KEYSPACE ${config.keyspace}`, '--cassandra.keyspace, --cassandra.replication-factor', () =>
          client.execute(toCreateKeyspaceCql(config.keyspace, config.replicationFactor)),
        );
        await schemaStep(`CREATE TABLE ${config.keyspace}.${config.table}`, '--cassandra.table', () =>
          client.execute(toCreateTableCql(config.keyspace, config.table, config.partitionKey)),
        );
        // CREATE TABLE IF NOT EXISTS keeps a table made with another key: writing there would test the wrong design.
        const columns = await client.execute(
          'SELECT column_name, kind, position FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
          [toStoredName(config.keyspace), toStoredName(config.table)],
        );
        const existing = partitionKeyOf(columns.rows.map((r) => ({ column_name: String(r.column_name), kind: String(r.kind), position: Number(r.position) })));
        if (existing !== config.partitionKey) {
          throw new PitowerConfigError(
            `--cassandra.partition-key ${config.partitionKey}: table ${config.keyspace}.${config.table} already exists with partition key ${existing}; ` +
              `use --cassandra.partition-key ${existing.startsWith('(') ? '<its key>' : existing} or another --cassandra.table`,
          );
        }
      } catch (err) {
        if (err instanceof PitowerConfigError) throw err;
        const problem = toConnectConfigProblem(err, config);
        if (problem) throw new PitowerConfigError(problem, { cause: err });
        if (isUnresolved(err)) {
          // Carried as the refusal it is (ENOTFOUND, see refusedHosts): reported as not retried.
          const cause = Object.assign(new Error(errorMessage(err)), { code: 'ENOTFOUND', cause: err });
          throw new PitowerConnectionError(`cassandra ${target} (dc ${config.localDc}): no contact point resolves to an address (${errorMessage(err).split('\n')[0].trim()})`, { cause });
        }
        throw new PitowerConnectionError(`cassandra ${target} (dc ${config.localDc}): ${describeCassandraError(err)}`, { cause: err });
      }
    },

    async write(batch): Promise<undefined> {
      for (const r of batch) await client.execute(insert, toInsertParams(r));
    },

    async audit(producer: string, acknowledged: SeqSet) {
      const seen = new Map<number, number>();
      // Read back at ALL; with a replica down QUORUM, then ONE. The weakest level used is reported: a reading
      // missing at ONE may sit on a replica that was not asked.
      const levels = [
        ['all', types.consistencies.all],
        ['quorum', types.consistencies.quorum],
        ['one', types.consistencies.one],
      ] as const;
      let weakest = 0;
      for (const day of toDaysBetween(startMs, Date.now())) {
        const query = toAuditSelectCql(config.keyspace, config.table);
        const params = [location, types.LocalDate.fromString(day), producer];
        for (let i = weakest; ; i++) {
          try {
            const seqs: number[] = [];
            for await (const row of await client.execute(query, params, { fetchSize: 5000, consistency: levels[i][1] })) seqs.push(Number(row.seq));
            for (const seq of seqs) seen.set(seq, (seen.get(seq) ?? 0) + 1);
            weakest = i;
            break;
          } catch (err) {
            if (i === levels.length - 1) throw new Error(`read at ${levels[i][0].toUpperCase()}: ${describeCassandraError(err)}`, { cause: err });
          }
        }
      }
      const level = levels[weakest][0];
      return { ...reconcileAudit(acknowledged, seen), readAt: level, readAtNote: AUDIT_LEVEL_NOTES[level] };
    },

    classifyError: classifyCassandraError,

    async close() {
      if (closed) return;
      closed = true;
      await client.shutdown().catch(() => undefined);
    },
  };

}
