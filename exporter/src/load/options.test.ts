import { Command } from 'commander';
import { addOptions, optionSource, resolveSchema, specsOf } from '../config/options';
import { PitowerConfigError } from '../errors';
import { loadSchema, parseMysqlUrl, redactUrl, toLoadConfig } from './options';

function configFrom(args: string[], prefix: '' | 'load.' = '', env: NodeJS.ProcessEnv = {}) {
  const schema = loadSchema(prefix);
  const specs = specsOf(schema);
  const command = addOptions(new Command('t').exitOverride(), specs).parse(args, { from: 'user' });
  return toLoadConfig(resolveSchema(schema, optionSource(command, specs, { env })), prefix, prefix === '' ? '/sys' : '/sysfs');
}

describe('load > options', () => {
  test('one table, two prefixes: the daemon has every flag of the table under load.', () => {
    const cli = specsOf(loadSchema('')).map((s) => s.flag);
    const daemon = specsOf(loadSchema('load.')).map((s) => s.flag);
    expect(cli).toContain('backend');
    expect(cli).toContain('tls.enabled');
    expect(daemon).toContain('load.backend');
    expect(daemon).toContain('load.mysql.url');
    expect(daemon).toContain('load.sasl.password');
    expect(daemon).toEqual(cli.map((flag) => `load.${flag}`));
  });

  test('defaults', () => {
    expect(configFrom(['--backend', 'null'])).toMatchObject({
      backend: 'null',
      concurrency: 4,
      rate: undefined,
      durationSeconds: undefined,
      count: undefined,
      warmupSeconds: 0,
      connectTimeoutSeconds: 10,
      audit: false,
      location: 'lab',
      batchSize: 500,
      sysfs: '/sys',
    });
  });

  test('mysql: URL, password precedence (URL > file > $MYSQL_PASSWORD), statement options', () => {
    const c = configFrom(['--load.backend', 'mysql', '--load.mysql.url', 'mysql://lab@db:3307/pi', '--load.rows-per-statement', '10', '--load.commit-every', '100', '--load.duration', '1m'], 'load.', { MYSQL_PASSWORD: 'envpw' });
    expect(c.mysql).toEqual({ host: 'db', port: 3307, user: 'lab', password: 'envpw', database: 'pi', table: 'reading', rowsPerStatement: 10, commitEvery: 100 });
    expect([c.durationSeconds, c.sysfs]).toEqual([60, '/sysfs']);
    expect(configFrom(['--backend', 'mysql', '--mysql.url', 'mysql://lab:urlpw@db/pi'], '', { MYSQL_PASSWORD: 'envpw' }).mysql?.password).toBe('urlpw');
  });

  test('kafka: the collector\'s TLS and SASL flags, --load.* in the daemon with its own password variable', () => {
    const cli = configFrom(['--backend', 'kafka', '--kafka.server', '[::1]:9093', '--sasl.enabled', '--sasl.mechanism', 'scram-sha512', '--sasl.username', 'lab', '--sasl.password', 'pw']);
    expect(cli.kafka?.brokers).toEqual(['[::1]:9093']);
    expect(cli.kafka?.security).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'lab', password: 'pw' } });
    const daemon = configFrom(['--load.backend', 'kafka', '--load.kafka.server', 'a:9093', '--load.sasl.enabled', '--load.sasl.username', 'lab', '--load.tls.enabled', '--load.tls.insecure-skip-tls-verify'], 'load.', {
      PITOWER_LOAD_KAFKA_SASL_PASSWORD: 'from-env',
      PITOWER_KAFKA_SASL_PASSWORD: 'the-collector-s',
    });
    expect(daemon.kafka?.security).toEqual({
      tls: { ca: undefined, cert: undefined, key: undefined, rejectUnauthorized: false },
      sasl: { mechanism: 'plain', username: 'lab', password: 'from-env' },
    });
    expect(loadSchema('load.').saslPassword.env).toBe('PITOWER_LOAD_KAFKA_SASL_PASSWORD');
  });

  test('kafka: servers as repeat and comma list, acks all -> -1', () => {
    const c = configFrom(['--backend', 'kafka', '--kafka.server', 'a:9092,b:9092', '--kafka.server', 'c:9093', '--acks', 'all', '--mode', 'batch']);
    expect(c.kafka).toEqual({ client: 'kafkajs', brokers: ['a:9092', 'b:9092', 'c:9093'], topic: 'temperature', acks: -1, mode: 'batch', compression: 'none', security: {} });
    expect(configFrom(['--backend', 'kafka', '--kafka.server', 'a:1', '--acks', '0']).kafka?.acks).toBe(0);
  });

  test('kafka: --kafka.client picks the client library (kafkajs by default), --load.kafka.client in the daemon', () => {
    expect(configFrom(['--backend', 'kafka', '--kafka.server', 'a:1', '--kafka.client', 'rdkafka']).kafka?.client).toBe('rdkafka');
    expect(configFrom(['--load.backend', 'kafka', '--load.kafka.server', 'a:1', '--load.kafka.client', 'rdkafka'], 'load.').kafka?.client).toBe('rdkafka');
  });

  test('cassandra', () => {
    const c = configFrom(['--backend', 'cassandra', '--cassandra.contact-point', 'pi1,pi2:9043', '--cassandra.partition-key', 'location', '--cassandra.consistency', 'quorum']);
    expect(c.cassandra).toEqual({ contactPoints: ['pi1', 'pi2:9043'], localDc: 'datacenter1', keyspace: 'pitower', table: 'reading', replicationFactor: 1, partitionKey: 'location', consistency: 'quorum' });
  });

  test.each([
    [[], '--backend is required (one of null, mysql, kafka, cassandra)'],
    [['--backend', 'mysql'], '--mysql.url is required with --backend mysql'],
    [['--backend', 'mysql', '--mysql.url', 'postgres://a@b/c'], '--mysql.url: "postgres://a@b/c": scheme must be mysql://'],
    [['--backend', 'mysql', '--mysql.url', 'mysql://a:secret@b/'], '--mysql.url: "mysql://a@b/": no database (mysql://user@host:3306/database)'],
    [['--backend', 'mysql', '--mysql.url', 'mysql://a@b/c', '--mysql.password-file', '/nonexistent/pw'], '--mysql.password-file /nonexistent/pw: cannot read: no such file'],
    [['--backend', 'mysql', '--mysql.url', 'mysql://a@b/c', '--mysql.table', 'x;drop'], '--mysql.table: "x;drop" is not a plain identifier (letters, digits, _)'],
    [['--backend', 'kafka'], '--kafka.server is required with --backend kafka'],
    [['--backend', 'kafka', '--kafka.server', 'nohost'], '--kafka.server: invalid address "nohost": expected host:port (IPv6 in brackets), port 1-65535'],
    [['--backend', 'kafka', '--kafka.server', 'a:0'], '--kafka.server: invalid address "a:0": expected host:port (IPv6 in brackets), port 1-65535'],
    [['--backend', 'kafka', '--kafka.server', 'a:1', '--sasl.enabled'], '--sasl.username is required with --sasl.enabled'],
    [['--backend', 'kafka', '--kafka.server', 'a:1', '--tls.ca-file', '/x'], '--tls.ca-file needs --tls.enabled'],
    [['--backend', 'cassandra'], '--cassandra.contact-point is required with --backend cassandra'],
    [['--backend', 'mysql', '--mysql.url', 'mysql://a@b/c', '--tls.enabled'], '--tls.enabled is for --backend kafka, not mysql'],
    [['--backend', 'null', '--sasl.username', 'lab'], '--sasl.username is for --backend kafka, not null'],
    [['--backend', 'null', '--concurrency', '0'], '--concurrency: 0 is out of range 1..10000'],
    [['--backend', 'null', '--rate', 'fast'], '--rate: "fast" is not a number'],
    [['--backend', 'null', '--duration', '0s'], '--duration: "0s" must be greater than 0'],
  ])('%j -> %s', (args, message) => {
    expect(() => configFrom(args as string[])).toThrow(new PitowerConfigError(message));
  });

  test.each([
    ['mysql://u@h/d', { host: 'h', port: 3306, user: 'u', password: undefined, database: 'd' }],
    ['mysql://u%40x:p%2F1@[::1]:3310/my_db', { host: '::1', port: 3310, user: 'u@x', password: 'p/1', database: 'my_db' }],
  ])('parseMysqlUrl %s', (raw, expected) => {
    expect(parseMysqlUrl(raw)).toEqual(expected);
  });

  test.each([
    ['mysql://u:secret@h/d', 'mysql://u@h/d'],
    ['mysql://u@h/d', 'mysql://u@h/d'],
  ])('redactUrl %s', (raw, expected) => {
    expect(redactUrl(raw)).toBe(expected);
  });
});
