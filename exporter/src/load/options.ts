import { hostname } from 'node:os';
import { choice, list, prefixSchema, readPassword, readSmallFile, text, toggle, value, type Values } from '../config/options';
import { parseDuration, parseHostPort, parseInteger, parseNumber, positiveDuration } from '../config/parse';
import { KAFKA_SECURITY_SCHEMA, givenSecurityFlags, kafkaSecuritySchema, toKafkaSecurity, type KafkaSecurity } from '../kafka-client/security';
import { PitowerConfigError, errorMessage } from '../errors';
import { BACKEND_NAMES, type BackendName } from './backends/backend';

export const CASSANDRA_CONSISTENCIES = ['any', 'one', 'two', 'three', 'quorum', 'all', 'local_quorum', 'each_quorum', 'local_one'] as const;
export const CASSANDRA_PARTITION_KEYS = ['location', 'location-date'] as const;
export const KAFKA_CLIENTS = ['kafkajs', 'rdkafka'] as const;
export const MQTT_QOS_LEVELS = ['0', '1'] as const;
export const DEFAULT_MQTT_TOPIC = 'pitower/{host}/temperature';

/**
 * The one option table of the load generator, shared by `pitower load` (flags as written) and
 * `pitower exporter` (under `load.`: `--load.backend`, `--load.mysql.url`, ...; see loadSchema). The
 * options only `pitower load` has are in commands/load.ts.
 */
const LOAD_SCHEMA = {
  backend: choice({ flag: 'backend', arg: '<name>', help: 'target to load: null (no I/O), mysql, kafka, cassandra or mqtt', choices: BACKEND_NAMES }),
  concurrency: value({ flag: 'concurrency', arg: '<n>', help: 'writes in flight at once (closed loop: the number of "threads")', default: '4', parse: (r) => parseInteger(r, 1, 10000) }),
  rate: value({
    flag: 'rate',
    arg: '<per-second>',
    help: 'open loop: readings per second on a fixed schedule (latency measured from the intended send time); unset = closed loop',
    parse: (r) => parseNumber(r, 0.001, 1e7),
  }),
  duration: value({
    flag: 'duration',
    arg: '<duration>',
    help: 'measured run time after the warm-up (pitower load: 10s unless --count is given; daemon: forever)',
    parse: positiveDuration(),
  }),
  count: value({ flag: 'count', arg: '<n>', help: 'stop after this many readings (warm-up included)', parse: (r) => parseInteger(r, 1) }),
  warmup: value({ flag: 'warmup', arg: '<duration>', help: 'run this long before measuring', default: '0s', parse: parseDuration }),
  connectTimeout: value({
    flag: 'connect-timeout',
    arg: '<duration>',
    help: 'how long to try reaching the target at start before giving up',
    default: '10s',
    parse: positiveDuration(),
  }),
  audit: toggle({ flag: 'audit', help: 'after the run, read the readings back and report lost and duplicated ones' }),
  location: text({ flag: 'location', arg: '<name>', help: 'location field of every reading (the Cassandra partition key)', default: 'lab' }),
  host: text({ flag: 'host', arg: '<name>', help: 'host field of every reading (the Kafka message key)', default: hostname() }),
  note: text({ flag: 'note', arg: '<text>', help: 'note field of every reading', default: '' }),
  batchSize: value({ flag: 'batch-size', arg: '<n>', help: 'kafka --mode batch: messages per send', default: '500', parse: (r) => parseInteger(r, 1, 100000) }),
  // MySQL
  mysqlUrl: text({ flag: 'mysql.url', arg: '<url>', help: 'mysql://user[:password]@host[:port]/database' }),
  mysqlPasswordFile: text({
    flag: 'mysql.password-file',
    arg: '<path>',
    help: 'file holding the MySQL password (trailing newline ignored); without any password source, the systemd credential mysql-password is used',
    env: 'MYSQL_PASSWORD_FILE',
  }),
  mysqlPassword: text({ flag: 'mysql.password', arg: '<password>', help: 'MySQL password (visible in ps: prefer $MYSQL_PASSWORD or a password file)', env: 'MYSQL_PASSWORD' }),
  mysqlTable: value({ flag: 'mysql.table', arg: '<name>', help: 'table for the readings (created if missing)', default: 'reading', parse: parseIdentifier }),
  rowsPerStatement: value({ flag: 'rows-per-statement', arg: '<n>', help: 'mysql: rows per INSERT', default: '1', parse: (r) => parseInteger(r, 1, 10000) }),
  commitEvery: value({
    flag: 'commit-every',
    arg: '<n>',
    help: 'mysql: rows per transaction on each connection (1 = autocommit every row)',
    default: '1',
    parse: (r) => parseInteger(r, 1, 1000000),
  }),
  // Kafka
  kafkaClient: choice({
    flag: 'kafka.client',
    arg: '<client>',
    help: 'kafka client library: kafkajs (pure JS) or rdkafka (node-rdkafka, librdkafka in C: about half the CPU per record; an optional dependency, compiled at npm install)',
    default: 'kafkajs',
    choices: KAFKA_CLIENTS,
  }),
  kafkaServers: list({ flag: 'kafka.server', arg: '<host:port>', help: 'Kafka bootstrap server (repeatable or comma list)', parse: parseHostPort }),
  topic: text({ flag: 'topic', arg: '<name>', help: 'kafka topic', default: 'temperature' }),
  acks: choice({ flag: 'acks', arg: '<acks>', help: 'kafka acks: 0, 1 or all', default: 'all', choices: ['0', '1', 'all'] }),
  mode: choice({
    flag: 'mode',
    arg: '<mode>',
    help: 'kafka: sync (each reading awaited before the worker sends the next) or batch (--batch-size per send)',
    default: 'sync',
    choices: ['sync', 'batch'],
  }),
  compression: choice({ flag: 'compression', arg: '<codec>', help: 'kafka compression', default: 'none', choices: ['none', 'gzip'] }),
  // Cassandra
  cassandraContactPoints: list({ flag: 'cassandra.contact-point', arg: '<host[:port]>', help: 'Cassandra contact point (repeatable or comma list)', parse: (raw) => raw }),
  cassandraLocalDc: text({ flag: 'cassandra.local-dc', arg: '<name>', help: 'Cassandra local data centre', default: 'datacenter1' }),
  cassandraKeyspace: value({ flag: 'cassandra.keyspace', arg: '<name>', help: 'keyspace (created if missing)', default: 'pitower', parse: parseIdentifier }),
  cassandraTable: value({ flag: 'cassandra.table', arg: '<name>', help: 'table (created if missing)', default: 'reading', parse: parseIdentifier }),
  cassandraReplicationFactor: value({
    flag: 'cassandra.replication-factor',
    arg: '<n>',
    help: 'replication factor of a created keyspace (SimpleStrategy)',
    default: '1',
    parse: (r) => parseInteger(r, 1, 100),
  }),
  cassandraPartitionKey: choice({
    flag: 'cassandra.partition-key',
    arg: '<key>',
    help: 'partition key of a created table: location = PRIMARY KEY ((location), date, ...) (one hot partition per location), location-date = PRIMARY KEY ((location, date), ...)',
    default: 'location-date',
    choices: CASSANDRA_PARTITION_KEYS,
  }),
  cassandraConsistency: choice({ flag: 'cassandra.consistency', arg: '<level>', help: 'consistency level of the inserts', default: 'local_one', choices: CASSANDRA_CONSISTENCIES }),
  // MQTT
  mqttUrl: text({ flag: 'mqtt.url', arg: '<url>', help: 'MQTT broker: mqtt://host[:1883] or mqtts://host[:8883] (TLS)' }),
  mqttQos: choice({
    flag: 'mqtt.qos',
    arg: '<qos>',
    help: 'mqtt QoS of the publishes: 1 (acknowledged at the broker\'s PUBACK) or 0 (acknowledged once written to the socket: at most once)',
    default: '1',
    choices: MQTT_QOS_LEVELS,
  }),
  mqttTopic: text({ flag: 'mqtt.topic', arg: '<template>', help: 'mqtt topic of the readings; {host} is replaced by --host', default: DEFAULT_MQTT_TOPIC }),
  mqttUsername: text({ flag: 'mqtt.username', arg: '<name>', help: 'MQTT username' }),
  mqttPasswordFile: text({
    flag: 'mqtt.password-file',
    arg: '<path>',
    help: 'file holding the MQTT password (trailing newline ignored); without any password source, the systemd credential mqtt-password is used',
    env: 'MQTT_PASSWORD_FILE',
  }),
  mqttPassword: text({ flag: 'mqtt.password', arg: '<password>', help: 'MQTT password (visible in ps: prefer $MQTT_PASSWORD or a password file)', env: 'MQTT_PASSWORD' }),
  mqttCaFile: text({ flag: 'mqtt.ca-file', arg: '<path>', help: 'PEM CA bundle that signed the broker\'s certificate (mqtts://; default: the system CAs)' }),
  mqttInsecureSkipTlsVerify: toggle({ flag: 'mqtt.insecure-skip-tls-verify', help: 'mqtts:// without checking the broker\'s certificate (tests only)' }),
};

export type LoadSchema = typeof LOAD_SCHEMA & typeof KAFKA_SECURITY_SCHEMA;
export type LoadValues = Values<LoadSchema>;

/**
 * The load generator's flags under `prefix` ('' in `pitower load`, 'load.' in the daemon). --backend kafka
 * reaches a TLS/SASL cluster with the collector's flags (--tls.*, --sasl.*; --load.tls.* in the daemon).
 */
export function loadSchema(prefix: '' | 'load.'): LoadSchema {
  return { ...prefixSchema(LOAD_SCHEMA, prefix), ...kafkaSecuritySchema(prefix) };
}

export function parseIdentifier(raw: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,47}$/.test(raw)) throw new Error(`"${raw}" is not a plain identifier (letters, digits, _)`);
  return raw;
}

export interface LoadConfig {
  backend: BackendName;
  concurrency: number;
  rate?: number;
  durationSeconds?: number;
  count?: number;
  warmupSeconds: number;
  connectTimeoutSeconds: number;
  audit: boolean;
  location: string;
  host: string;
  note: string;
  batchSize: number;
  sysfs: string;
  mysql?: { host: string; port: number; user: string; password?: string; database: string; table: string; rowsPerStatement: number; commitEvery: number };
  kafka?: {
    client: (typeof KAFKA_CLIENTS)[number];
    brokers: string[];
    topic: string;
    acks: -1 | 0 | 1;
    mode: 'sync' | 'batch';
    compression: 'none' | 'gzip';
    security: KafkaSecurity;
  };
  cassandra?: {
    contactPoints: string[];
    localDc: string;
    keyspace: string;
    table: string;
    replicationFactor: number;
    partitionKey: (typeof CASSANDRA_PARTITION_KEYS)[number];
    consistency: (typeof CASSANDRA_CONSISTENCIES)[number];
  };
  mqtt?: {
    /** mqtt://host:port or mqtts://host:port, without credentials. */
    url: string;
    host: string;
    port: number;
    tls: boolean;
    qos: 0 | 1;
    /** The topic of this run's readings: --mqtt.topic with {host} replaced. */
    topic: string;
    username?: string;
    password?: string;
    /** PEM text of --mqtt.ca-file. */
    ca?: string;
    insecureSkipTlsVerify: boolean;
  };
}

/** mysql://user[:password]@host[:port]/database -> parts; throws with the reason. */
export function parseMysqlUrl(raw: string): { host: string; port: number; user: string; password?: string; database: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${redactUrl(raw)}" is not a URL like mysql://user@host:3306/database`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') throw new Error(`"${redactUrl(raw)}": scheme must be mysql://`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname) throw new Error(`"${redactUrl(raw)}": no host`);
  if (!database || database.includes('/')) throw new Error(`"${redactUrl(raw)}": no database (mysql://user@host:3306/database)`);
  if (!url.username) throw new Error(`"${redactUrl(raw)}": no user (mysql://user@host:3306/database)`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
  };
}

/**
 * mqtt://host[:port] or mqtts://host[:port] -> parts (port 1883, 8883 with TLS); throws with the reason.
 * Credentials have their own flags: a URL carrying them is refused rather than half used.
 *
 *   mqtt://broker          -> { host: 'broker', port: 1883, tls: false, url: 'mqtt://broker:1883' }
 *   mqtts://[::1]:8884     -> { host: '::1', port: 8884, tls: true, url: 'mqtts://[::1]:8884' }
 */
export function parseMqttUrl(raw: string): { url: string; host: string; port: number; tls: boolean } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`"${redactUrl(raw)}" is not a URL like mqtt://host:1883 or mqtts://host:8883`);
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') throw new Error(`"${redactUrl(raw)}": scheme must be mqtt:// or mqtts://`);
  if (!url.hostname) throw new Error(`"${redactUrl(raw)}": no host`);
  if (url.username || url.password) throw new Error(`"${redactUrl(raw)}": give the user with --mqtt.username and the password with --mqtt.password-file or $MQTT_PASSWORD, not in the URL`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) throw new Error(`"${raw}": a broker URL has no path (the topic is --mqtt.topic)`);
  const tls = url.protocol === 'mqtts:';
  const port = url.port ? Number(url.port) : tls ? 8883 : 1883;
  return { url: `${url.protocol}//${url.hostname}:${port}`, host: url.hostname.replace(/^\[|\]$/g, ''), port, tls };
}

/**
 * The topic of a host's readings: `{host}` in the template replaced by the host. An empty topic and MQTT's
 * wildcards (+, #) are refused: a publish to either is a protocol error and the broker drops the connection.
 *
 *   toMqttTopic('pitower/{host}/temperature', 'pi-7')  ->  'pitower/pi-7/temperature'
 */
export function toMqttTopic(template: string, host: string): string {
  const topic = template.split('{host}').join(host);
  if (topic === '') throw new Error('the topic is empty');
  if (/[+#]/.test(topic) || topic.includes('\u0000')) throw new Error(`"${topic}" contains an MQTT wildcard (+, #) or NUL: a topic to publish to cannot`);
  if (Buffer.byteLength(topic) > 65535) throw new Error('the topic is longer than 65535 bytes');
  return topic;
}

/** The URL without its password, for messages. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, '$1@');
}

/** Resolved option values (flags under `prefix`) -> a validated LoadConfig. Errors name the flag. */
export function toLoadConfig(values: LoadValues, prefix: '' | 'load.', sysfs: string): LoadConfig {
  const flag = (name: string) => `--${prefix}${name}`;
  const backend = values.backend;
  if (!backend) throw new PitowerConfigError(`${flag('backend')} is required (one of ${BACKEND_NAMES.join(', ')})`);
  const config: LoadConfig = {
    backend,
    concurrency: values.concurrency,
    rate: values.rate,
    durationSeconds: values.duration,
    count: values.count,
    warmupSeconds: values.warmup,
    connectTimeoutSeconds: values.connectTimeout,
    audit: values.audit,
    location: values.location,
    host: values.host,
    note: values.note,
    batchSize: values.batchSize,
    sysfs,
  };
  if (backend === 'mysql') config.mysql = { ...toMysqlTarget(values, flag), rowsPerStatement: values.rowsPerStatement, commitEvery: values.commitEvery };
  if (backend === 'mqtt') config.mqtt = toMqttConfig(values, flag, config.host);
  if (backend !== 'kafka') {
    // TLS and SASL flags reach Kafka only: refused rather than silently ignored with another backend (a
    // password alone may come from the environment the unit sets for every backend).
    const given = givenSecurityFlags(values, prefix);
    if (given.length > 0) throw new PitowerConfigError(`${given[0]} is for ${flag('backend')} kafka, not ${backend}`);
  }
  if (backend === 'kafka') {
    const brokers = values.kafkaServers;
    if (brokers.length === 0) throw new PitowerConfigError(`${flag('kafka.server')} is required with ${flag('backend')} kafka`);
    config.kafka = {
      client: values.kafkaClient,
      brokers,
      topic: values.topic,
      acks: values.acks === 'all' ? -1 : values.acks === '1' ? 1 : 0,
      mode: values.mode,
      compression: values.compression,
      security: toKafkaSecurity(values, prefix),
    };
  }
  if (backend === 'cassandra') config.cassandra = toCassandraTarget(values, flag);
  return config;
}

/** The MySQL entries (shared with the sink) -> where to write; errors name the flag. */
export function toMysqlTarget(
  values: Pick<LoadValues, 'mysqlUrl' | 'mysqlPasswordFile' | 'mysqlPassword' | 'mysqlTable'>,
  flag: (name: string) => string,
): Omit<NonNullable<LoadConfig['mysql']>, 'rowsPerStatement' | 'commitEvery'> {
  if (!values.mysqlUrl) throw new PitowerConfigError(`${flag('mysql.url')} is required with ${flag('backend')} mysql`);
  let url: ReturnType<typeof parseMysqlUrl>;
  try {
    url = parseMysqlUrl(values.mysqlUrl);
  } catch (err) {
    throw new PitowerConfigError(`${flag('mysql.url')}: ${errorMessage(err)}`);
  }
  return { ...url, password: readPassword(values.mysqlPasswordFile, flag('mysql.password-file'), url.password ?? values.mysqlPassword, 'mysql-password'), table: values.mysqlTable };
}

/** The Cassandra entries (shared with the sink) -> where to write; errors name the flag. */
export function toCassandraTarget(
  values: Pick<
    LoadValues,
    'cassandraContactPoints' | 'cassandraLocalDc' | 'cassandraKeyspace' | 'cassandraTable' | 'cassandraReplicationFactor' | 'cassandraPartitionKey' | 'cassandraConsistency'
  >,
  flag: (name: string) => string,
): NonNullable<LoadConfig['cassandra']> {
  if (values.cassandraContactPoints.length === 0) throw new PitowerConfigError(`${flag('cassandra.contact-point')} is required with ${flag('backend')} cassandra`);
  return {
    contactPoints: values.cassandraContactPoints,
    localDc: values.cassandraLocalDc,
    keyspace: values.cassandraKeyspace,
    table: values.cassandraTable,
    replicationFactor: values.cassandraReplicationFactor,
    partitionKey: values.cassandraPartitionKey,
    consistency: values.cassandraConsistency,
  };
}

/** The --mqtt.* values -> config.mqtt; every error is one line naming the flag. */
function toMqttConfig(values: LoadValues, flag: (name: string) => string, host: string): NonNullable<LoadConfig['mqtt']> {
  const raw = values.mqttUrl;
  if (!raw) throw new PitowerConfigError(`${flag('mqtt.url')} is required with ${flag('backend')} mqtt`);
  const named = <T>(name: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw err instanceof PitowerConfigError ? err : new PitowerConfigError(`${flag(name)}: ${errorMessage(err)}`);
    }
  };
  const url = named('mqtt.url', () => parseMqttUrl(raw));
  const topic = named('mqtt.topic', () => toMqttTopic(values.mqttTopic, host));
  if (!url.tls) {
    const tlsOnly = values.mqttCaFile !== undefined ? 'mqtt.ca-file' : values.mqttInsecureSkipTlsVerify ? 'mqtt.insecure-skip-tls-verify' : undefined;
    if (tlsOnly) throw new PitowerConfigError(`${flag(tlsOnly)} needs an mqtts:// ${flag('mqtt.url')} (got ${url.url})`);
  }
  const username = values.mqttUsername;
  const password = readPassword(values.mqttPasswordFile, flag('mqtt.password-file'), values.mqttPassword, 'mqtt-password');
  if (password !== undefined && !username && (values.mqttPasswordFile !== undefined || values.mqttPassword !== undefined)) {
    throw new PitowerConfigError(`${flag(values.mqttPasswordFile !== undefined ? 'mqtt.password-file' : 'mqtt.password')} needs ${flag('mqtt.username')} (MQTT sends no password without a username)`);
  }
  return {
    ...url,
    qos: values.mqttQos === '1' ? 1 : 0,
    topic,
    username,
    password: username ? password : undefined,
    ca: values.mqttCaFile === undefined ? undefined : readSmallFile(flag('mqtt.ca-file'), values.mqttCaFile),
    insecureSkipTlsVerify: values.mqttInsecureSkipTlsVerify,
  };
}
