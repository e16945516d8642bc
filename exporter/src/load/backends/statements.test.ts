import { errors, types } from 'cassandra-driver';
import type { Reading } from '../reading';
import { classifyCassandraError, describeCassandraError, partitionKeyOf, toAuditSelectCql, toCreateKeyspaceCql, toCreateTableCql, toDaysBetween, toInsertCql, toInsertParams as toCqlParams, toReadingDate } from './cassandra';
import { classifyKafkaError, toAcksLabel, toKafkaMessages, toPendingPartitions } from './kafka';
import { classifyMysqlError, toCreateTableSql, toInsertParams, toInsertSql } from './mysql';

const r: Reading = { producer: 'pi-1-42-abc', seq: 7, host: 'pi-1', location: 'rack-a', timestamp_ms: Date.UTC(2026, 10, 21, 23, 59, 59), note: 'n', value_celsius: 48.3 };

describe('load > backends > mysql statements', () => {
  test('INSERT with N rows and flat parameters', () => {
    expect(toInsertSql('reading', 2)).toBe(
      'INSERT INTO `reading` (producer,seq,host,location,timestamp_ms,note,value_celsius) VALUES (?,?,?,?,?,?,?),(?,?,?,?,?,?,?)',
    );
    expect(toInsertParams([r, { ...r, seq: 8 }])).toEqual(['pi-1-42-abc', 7, 'pi-1', 'rack-a', r.timestamp_ms, 'n', 48.3, 'pi-1-42-abc', 8, 'pi-1', 'rack-a', r.timestamp_ms, 'n', 48.3]);
  });

  test('CREATE TABLE indexes (producer, seq) without UNIQUE so duplicates stay visible', () => {
    const sql = toCreateTableSql('reading');
    expect(sql).toMatch(/^CREATE TABLE IF NOT EXISTS `reading` \(/);
    expect(sql).toContain('KEY producer_seq (producer, seq)');
    expect(sql).not.toContain('UNIQUE');
  });

  test.each([
    [{ code: 'ECONNREFUSED' }, 'connection'],
    [{ code: 'PROTOCOL_CONNECTION_LOST' }, 'connection'],
    [{ code: 'ER_SERVER_SHUTDOWN', sqlState: '08S01' }, 'connection'],
    [{ code: 'ETIMEDOUT' }, 'timeout'],
    [{ code: 'ER_LOCK_WAIT_TIMEOUT', sqlState: 'HY000' }, 'timeout'],
    [{ code: 'ER_DUP_ENTRY', sqlState: '23000' }, 'rejected'],
    [{ code: 'ER_ACCESS_DENIED_ERROR', sqlState: '28000' }, 'auth'],
    [{ code: 'ER_DBACCESS_DENIED_ERROR', sqlState: '42000' }, 'auth'],
    [new Error("Can't add new command when connection is in closed state"), 'connection'],
    [new Error('weird'), 'other'],
  ])('classify %j -> %s', (err, reason) => {
    expect(classifyMysqlError(err)).toBe(reason);
  });
});

describe('load > backends > kafka', () => {
  test('messages keyed by host, value is the reading JSON', () => {
    expect(toKafkaMessages([r])).toEqual([{ key: 'pi-1', value: JSON.stringify(r) }]);
    expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThan(160);
  });

  test.each([
    [-1, 'all'],
    [0, '0'],
    [1, '1'],
  ] as const)('acks %p -> label %p', (acks, label) => {
    expect(toAcksLabel(acks)).toBe(label);
  });

  test.each([
    [{ name: 'KafkaJSNumberOfRetriesExceeded', originalError: { name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION' } }, 'not_leader'],
    [{ name: 'KafkaJSProtocolError', type: 'NOT_ENOUGH_REPLICAS' }, 'unavailable'],
    [{ name: 'KafkaJSProtocolError', type: 'REQUEST_TIMED_OUT' }, 'timeout'],
    [{ name: 'KafkaJSRequestTimeoutError' }, 'timeout'],
    [{ name: 'KafkaJSNonRetriableError', cause: { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' } }, 'connection'],
    [{ name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' }, 'rejected'],
    [new Error('?'), 'other'],
  ])('classify %j -> %s', (err, reason) => {
    expect(classifyKafkaError(err)).toBe(reason);
  });

  test('pending partitions for the audit read-back', () => {
    const pending = toPendingPartitions(new Map([[0, '10'], [1, '5'], [2, '0']]), new Map([[0, '10'], [1, '9'], [2, '3'], [3, '1']]));
    expect([...pending]).toEqual([
      [1, { from: 5n, to: 9n }],
      [2, { from: 0n, to: 3n }],
      [3, { from: 0n, to: 1n }],
    ]);
  });
});

describe('load > backends > cassandra statements', () => {
  test('keyspace and the two partition-key choices', () => {
    expect(toCreateKeyspaceCql('pitower', 3)).toBe("CREATE KEYSPACE IF NOT EXISTS pitower WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    expect(toCreateTableCql('ks', 't', 'location')).toBe(
      'CREATE TABLE IF NOT EXISTS ks.t (location text, date date, producer text, seq bigint, host text, timestamp timestamp, note text, value_celsius double, PRIMARY KEY ((location), date, producer, seq))',
    );
    expect(toCreateTableCql('ks', 't', 'location-date')).toContain('PRIMARY KEY ((location, date), producer, seq))');
  });

  test('prepared insert and its bound values', () => {
    expect(toInsertCql('ks', 't')).toBe('INSERT INTO ks.t (location, date, producer, seq, host, timestamp, note, value_celsius) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const params = toCqlParams(r);
    expect(params[0]).toBe('rack-a');
    expect(String(params[1])).toBe('2026-11-21');
    expect(params[3]).toEqual(types.Long.fromNumber(7));
    expect(params.slice(4)).toEqual(['pi-1', new Date(r.timestamp_ms), 'n', 48.3]);
    expect(toAuditSelectCql('ks', 't')).toBe('SELECT seq FROM ks.t WHERE location = ? AND date = ? AND producer = ?');
  });

  test('dates of a run that crosses midnight UTC', () => {
    expect(toReadingDate(r.timestamp_ms)).toBe('2026-11-21');
    expect(toDaysBetween(r.timestamp_ms - 1000, r.timestamp_ms + 2000)).toEqual(['2026-11-21', '2026-11-22']);
    expect(toDaysBetween(r.timestamp_ms - 5000, r.timestamp_ms)).toEqual(['2026-11-21']);
  });

  const codes = types.responseErrorCodes;
  const response = (code: number, message = 'server said no') => new errors.ResponseError(code, message);
  const noHost = (inner: Record<string, unknown>) => new errors.NoHostAvailableError(inner);
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.2:9042'), { code: 'ECONNREFUSED' });
  test.each<[string, unknown, string]>([
    ['no host tried', noHost({}), 'connection'],
    ['every host refused', noHost({ '127.0.0.1:9042': refused, '127.0.0.2:9042': refused }), 'connection'],
    // The driver's default retry policy wraps the coordinator's Unavailable: RF 2, one node down, QUORUM.
    ['Unavailable wrapped by the retry policy', noHost({ '127.0.0.1:9042': response(codes.unavailableException, 'Cannot achieve consistency level QUORUM') }), 'unavailable'],
    ['Unavailable from one host, the other refused', noHost({ '127.0.0.1:9042': response(codes.unavailableException), '127.0.0.2:9042': refused }), 'unavailable'],
    ['write timeout wrapped', noHost({ '127.0.0.1:9042': response(codes.writeTimeout) }), 'timeout'],
    ['overloaded wrapped', noHost({ '127.0.0.1:9042': response(codes.overloaded) }), 'overloaded'],
    ['client-side timeout', { name: 'OperationTimedOutError' }, 'timeout'],
    ['write timeout', response(codes.writeTimeout), 'timeout'],
    ['read timeout', response(codes.readTimeout), 'timeout'],
    ['unavailable', response(codes.unavailableException), 'unavailable'],
    ['overloaded', response(codes.overloaded), 'overloaded'],
    ['bootstrapping', response(codes.isBootstrapping), 'overloaded'],
    ['bad credentials', response(codes.badCredentials), 'auth'],
    ['unauthorized', response(codes.unauthorized), 'auth'],
    ['authentication error', { name: 'AuthenticationError' }, 'auth'],
    ['invalid query', response(codes.invalid), 'rejected'],
  ])('classify: %s', (_name, err, reason) => {
    expect(classifyCassandraError(err)).toBe(reason);
  });

  test.each<[string, unknown, string]>([
    ['no host up to try', noHost({}), 'no node is up to ask (the driver has marked every contact point down)'],
    [
      'each host names its reason',
      noHost({ '127.0.0.1:9042': response(codes.unavailableException, 'Cannot achieve consistency level QUORUM\n  at FrameReader.readError'), '127.0.0.2:9042': refused }),
      'every node failed: 127.0.0.1:9042: Cannot achieve consistency level QUORUM; 127.0.0.2:9042: connect ECONNREFUSED 127.0.0.2:9042',
    ],
    ['a server error keeps its first line only', response(codes.readTimeout, 'Operation timed out - received only 0 responses.\n    at FrameReader.readError (x.js:1:2)'), 'Operation timed out - received only 0 responses.'],
  ])('describe: %s', (_name, err, line) => {
    expect(describeCassandraError(err)).toBe(line);
  });

  const col = (column_name: string, kind: string, position: number) => ({ column_name, kind, position });
  test.each<[string, ReturnType<typeof col>[], string]>([
    ['(location), date, producer, seq', [col('location', 'partition_key', 0), col('date', 'clustering', 0), col('seq', 'clustering', 2), col('value_celsius', 'regular', -1)], 'location'],
    ['(location, date), producer, seq', [col('date', 'partition_key', 1), col('location', 'partition_key', 0), col('producer', 'clustering', 0)], 'location-date'],
    ['(date, location) is neither', [col('date', 'partition_key', 0), col('location', 'partition_key', 1)], '(date, location)'],
    ['(host)', [col('host', 'partition_key', 0)], '(host)'],
  ])('partition key of an existing table %s', (_name, rows, key) => {
    expect(partitionKeyOf(rows)).toBe(key);
  });
});
