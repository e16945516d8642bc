import { Client, types } from 'cassandra-driver';
import { PitowerConnectionError, errorMessage } from '../../errors';
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

export function classifyCassandraError(err: unknown): ErrorReason {
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'OperationTimedOutError') return 'timeout';
  if (name === 'NoHostAvailableError' || name === 'BusyConnectionError') return 'connection';
  if (name === 'ResponseError') {
    const code = (err as { code?: number }).code;
    if (code === types.responseErrorCodes.writeTimeout || code === types.responseErrorCodes.readTimeout) return 'timeout';
    if (code === types.responseErrorCodes.unavailableException) return 'unavailable';
    return 'rejected';
  }
  return classifyCommonError(err) ?? 'other';
}

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
      try {
        // Every contact point refusing (the driver's NoHostAvailableError lists each) fails at once.
        await retryUntil(() => withDeadline(client.connect(), deadlineMs, `no answer from ${target}`), { deadlineMs, retriable: (err) => !refusedHosts(err) });
        await client.execute(toCreateKeyspaceCql(config.keyspace, config.replicationFactor));
        await client.execute(toCreateTableCql(config.keyspace, config.table, config.partitionKey));
      } catch (err) {
        throw new PitowerConnectionError(`cassandra ${target} (dc ${config.localDc}): ${errorMessage(err).split('\n')[0]}`, { cause: err });
      }
    },

    async write(batch) {
      for (const r of batch) await client.execute(insert, toInsertParams(r));
    },

    async audit(producer: string, acknowledged: SeqSet) {
      const seen = new Map<number, number>();
      for (const day of toDaysBetween(startMs, Date.now())) {
        // Read back at ALL (QUORUM when a replica is still down): a replica that missed writes while it was
        // down must not make acknowledged readings look lost.
        const query = toAuditSelectCql(config.keyspace, config.table);
        const params = [location, types.LocalDate.fromString(day), producer];
        const rows = await client
          .execute(query, params, { fetchSize: 5000, consistency: types.consistencies.all })
          .catch(() => client.execute(query, params, { fetchSize: 5000, consistency: types.consistencies.quorum }));
        for await (const row of rows) {
          const seq = Number(row.seq);
          seen.set(seq, (seen.get(seq) ?? 0) + 1);
        }
      }
      return reconcileAudit(acknowledged, seen);
    },

    classifyError: classifyCassandraError,

    async close() {
      if (closed) return;
      closed = true;
      await client.shutdown().catch(() => undefined);
    },
  };

}
