import { Command } from 'commander';
import { addOptions, optionSource, resolveSchema, specsOf } from '../config/options';
import { PitowerConfigError } from '../errors';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSchema, parseMqttUrl, parseMysqlUrl, redactUrl, toLoadConfig, toMqttTopic } from './options';

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

  test('mqtt: defaults (QoS 1, the per-host topic), credentials, TLS', () => {
    expect(configFrom(['--backend', 'mqtt', '--mqtt.url', 'mqtt://broker', '--host', 'pi-7']).mqtt).toEqual({
      url: 'mqtt://broker:1883',
      host: 'broker',
      port: 1883,
      tls: false,
      qos: 1,
      topic: 'pitower/pi-7/temperature',
      username: undefined,
      password: undefined,
      ca: undefined,
      insecureSkipTlsVerify: false,
    });
    const dir = mkdtempSync(join(tmpdir(), 'pitower-mqtt-options-'));
    writeFileSync(join(dir, 'ca.crt'), 'PEM');
    writeFileSync(join(dir, 'pw'), 'from-file\n');
    const secure = configFrom(
      ['--backend', 'mqtt', '--mqtt.url', 'mqtts://b', '--mqtt.qos', '0', '--mqtt.topic', 'lab/{host}', '--host', 'pi1', '--mqtt.username', 'lab', '--mqtt.ca-file', join(dir, 'ca.crt')],
      '',
      { MQTT_PASSWORD: 'from-env' },
    ).mqtt;
    expect(secure).toMatchObject({ url: 'mqtts://b:8883', port: 8883, tls: true, qos: 0, topic: 'lab/pi1', username: 'lab', password: 'from-env', ca: 'PEM' });
    const daemon = configFrom(['--load.backend', 'mqtt', '--load.mqtt.url', 'mqtt://b:1884', '--load.mqtt.username', 'lab', '--load.mqtt.password-file', join(dir, 'pw')], 'load.', { MQTT_PASSWORD: 'from-env' });
    expect(daemon.mqtt).toMatchObject({ port: 1884, password: 'from-file' });
  });

  test.each([
    [['--backend', 'mqtt'], '--mqtt.url is required with --backend mqtt'],
    [['--backend', 'mqtt', '--mqtt.url', 'http://b'], '--mqtt.url: "http://b": scheme must be mqtt:// or mqtts://'],
    [['--backend', 'mqtt', '--mqtt.url', 'mqtt://u:pw@b'], '--mqtt.url: "mqtt://u@b": give the user with --mqtt.username and the password with --mqtt.password-file or $MQTT_PASSWORD, not in the URL'],
    [['--backend', 'mqtt', '--mqtt.url', 'mqtt://b/topic'], '--mqtt.url: "mqtt://b/topic": a broker URL has no path (the topic is --mqtt.topic)'],
    [['--backend', 'mqtt', '--mqtt.url', 'mqtt://b', '--mqtt.topic', 'lab/#'], '--mqtt.topic: "lab/#" contains an MQTT wildcard (+, #) or NUL: a topic to publish to cannot'],
    [['--backend', 'mqtt', '--mqtt.url', 'mqtt://b', '--mqtt.ca-file', '/x'], '--mqtt.ca-file needs an mqtts:// --mqtt.url (got mqtt://b:1883)'],
    [['--backend', 'mqtt', '--mqtt.url', 'mqtt://b', '--mqtt.insecure-skip-tls-verify'], '--mqtt.insecure-skip-tls-verify needs an mqtts:// --mqtt.url (got mqtt://b:1883)'],
    [['--backend', 'mqtt', '--mqtt.url', 'mqtts://b', '--mqtt.ca-file', '/nonexistent/ca'], '--mqtt.ca-file /nonexistent/ca: cannot read: no such file'],
    [['--backend', 'mqtt', '--mqtt.url', 'mqtt://b', '--mqtt.password', 'pw'], '--mqtt.password needs --mqtt.username (MQTT sends no password without a username)'],
    [['--backend', 'mqtt', '--mqtt.url', 'mqtt://b', '--tls.enabled'], '--tls.enabled is for --backend kafka, not mqtt'],
  ])('mqtt %j -> %s', (args, message) => {
    expect(() => configFrom(args as string[])).toThrow(new PitowerConfigError(message));
  });

  test.each([
    ['mqtt://broker', { url: 'mqtt://broker:1883', host: 'broker', port: 1883, tls: false }],
    ['mqtts://broker', { url: 'mqtts://broker:8883', host: 'broker', port: 8883, tls: true }],
    ['mqtts://[::1]:8884/', { url: 'mqtts://[::1]:8884', host: '::1', port: 8884, tls: true }],
  ])('parseMqttUrl %s', (raw, expected) => {
    expect(parseMqttUrl(raw)).toEqual(expected);
  });

  test.each([
    ['pitower/{host}/temperature', 'pi-7', 'pitower/pi-7/temperature'],
    ['{host}/{host}', 'a', 'a/a'],
    ['fixed/topic', 'pi-7', 'fixed/topic'],
  ])('toMqttTopic %s with %s -> %s', (template, host, topic) => {
    expect(toMqttTopic(template, host)).toBe(topic);
  });

  test.each([
    ['', 'pi', 'the topic is empty'],
    ['{host}', '', 'the topic is empty'],
    ['a/{host}', 'pi+1', '"a/pi+1" contains an MQTT wildcard (+, #) or NUL: a topic to publish to cannot'],
  ])('toMqttTopic %j with %j throws %s', (template, host, message) => {
    expect(() => toMqttTopic(template, host)).toThrow(message);
  });

  test.each([
    [[], '--backend is required (one of null, mysql, kafka, cassandra, mqtt)'],
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
