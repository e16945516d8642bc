import { Command } from 'commander';
import { addOptions, optionSource, resolveSchema, specsOf } from '../config/options';
import { toInsertSql } from '../load/backends/mysql';
import { parseReading, toReadingJson, type Reading } from '../load/reading';
import { sinkSchema, toSinkConfig } from './options';
import { toChunks, toReadings } from './sink';

const reading: Reading = { producer: 'pi-1-42-abc', seq: 7, host: 'pi-1', location: 'lab', timestamp_ms: 1_795_300_000_000, note: '', value_celsius: 48.5 };

function configFrom(argv: string[], prefix: '' | 'sink.' = '') {
  const schema = sinkSchema(prefix);
  const specs = specsOf(schema);
  const command = addOptions(new Command('t').exitOverride(), specs).parse(argv, { from: 'user' });
  return toSinkConfig(resolveSchema(schema, optionSource(command, specs, { env: {} })), prefix);
}

describe('sink', () => {
  test('a reading survives its wire form; anything else is skipped, not thrown', () => {
    expect(parseReading(toReadingJson(reading))).toEqual(reading);
    const { readings, skipped } = toReadings([
      Buffer.from(toReadingJson(reading)),
      null,
      Buffer.from('not json'),
      Buffer.from('{"producer":"p","seq":-1,"host":"h","location":"l","timestamp_ms":1,"note":"","value_celsius":1}'),
      Buffer.from('{"producer":"p","seq":1.5,"host":"h","location":"l","timestamp_ms":1,"note":"","value_celsius":1}'),
      Buffer.from('{"run":"probe","seq":1}'),
    ]);
    expect(readings).toEqual([reading]);
    expect(skipped).toBe(5);
  });

  test.each<[number, number, number[]]>([
    [0, 3, []],
    [5, 2, [2, 2, 1]],
    [4, 4, [4]],
  ])('%p rows in chunks of %p -> sizes %j', (n, size, sizes) => {
    const chunks = toChunks(Array.from({ length: n }, (_, i) => i), size);
    expect(chunks.map((c) => c.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  test('the idempotent INSERT leaves an existing (producer, seq) as it is', () => {
    expect(toInsertSql('kafka_reading', 2, true)).toBe(
      'INSERT INTO `kafka_reading` (producer,seq,host,location,timestamp_ms,note,value_celsius) VALUES (?,?,?,?,?,?,?),(?,?,?,?,?,?,?) ON DUPLICATE KEY UPDATE seq = seq',
    );
    expect(toInsertSql('reading', 1)).not.toContain('DUPLICATE');
  });

  test('options: mysql with its own table keyed on (producer, seq), committed per write', () => {
    expect(configFrom(['--backend', 'mysql', '--kafka.server', 'b1:9092', '--mysql.url', 'mysql://lab:pw@db:3306/lab'])).toMatchObject({
      backend: 'mysql',
      brokers: ['b1:9092'],
      topic: 'temperature',
      groupId: 'pitower-sink',
      mysql: { host: 'db', port: 3306, user: 'lab', password: 'pw', database: 'lab', table: 'kafka_reading', rowsPerStatement: 100, commitEvery: 1, idempotent: true },
    });
    expect(configFrom(['--sink.backend', 'cassandra', '--sink.kafka.server', 'b1:9092', '--sink.cassandra.contact-point', 'c1'], 'sink.')).toMatchObject({
      backend: 'cassandra',
      cassandra: { contactPoints: ['c1'], consistency: 'quorum', keyspace: 'pitower', table: 'reading' },
    });
  });

  test.each<[string[], string, '' | 'sink.']>([
    [['--kafka.server', 'b:1'], '--backend is required (mysql or cassandra)', ''],
    [['--backend', 'mysql'], '--kafka.server is required', ''],
    [['--backend', 'mysql', '--kafka.server', 'b:1'], '--mysql.url is required with --backend mysql', ''],
    [['--sink.backend', 'cassandra', '--sink.kafka.server', 'b:1'], '--sink.cassandra.contact-point is required with --sink.backend cassandra', 'sink.'],
    [['--sink.backend', 'mysql', '--sink.kafka.server', 'b:1', '--sink.mysql.url', 'mysql://x@h/d', '--sink.tls.ca-file', '/ca'], '--sink.tls.ca-file needs --sink.tls.enabled', 'sink.'],
  ])('%j -> %s', (argv, message, prefix) => {
    expect(() => configFrom(argv, prefix)).toThrow(message);
  });
});
