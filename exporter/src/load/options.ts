import { hostname } from 'node:os';
import { readCredential, readSecretFile, type OptionSpec, type OptionValues } from '../config/options';
import { parseDuration, parseHostPort, parseInteger, parseNumber } from '../config/parse';
import { kafkaSecurityOptions, toKafkaSecurity, type KafkaSecurity } from '../kafka-client/security';
import { PitowerConfigError, errorMessage } from '../errors';
import { BACKEND_NAMES, type BackendName } from './backends/backend';

/**
 * The one option table of the load generator, shared by `pitower load` (prefix '') and
 * `pitower exporter` (prefix 'load.': `--load.backend`, `--load.mysql.url`, ...).
 * Options marked cliOnly exist only in `pitower load`; the daemon has its own (`--path.sysfs`).
 */
interface LoadOptionSpec extends OptionSpec {
  cliOnly?: boolean;
}

const positiveInteger = (raw: string) => parseInteger(raw, 1);
const positiveDuration = (raw: string) => {
  const s = parseDuration(raw);
  if (s <= 0) throw new Error(`duration must be positive, got "${raw}"`);
  return s;
};

export const CASSANDRA_CONSISTENCIES = ['any', 'one', 'two', 'three', 'quorum', 'all', 'local_quorum', 'each_quorum', 'local_one'] as const;
export const CASSANDRA_PARTITION_KEYS = ['location', 'location-date'] as const;

const LOAD_OPTIONS: LoadOptionSpec[] = [
  { flag: 'backend', arg: '<name>', help: 'target to load: null (no I/O), mysql, kafka or cassandra', choices: [...BACKEND_NAMES] },
  { flag: 'concurrency', arg: '<n>', help: 'writes in flight at once (closed loop: the number of "threads")', default: '4', parse: (r) => parseInteger(r, 1, 10000) },
  { flag: 'rate', arg: '<per-second>', help: 'open loop: readings per second on a fixed schedule (latency measured from the intended send time); unset = closed loop', parse: (r) => parseNumber(r, 0.001, 1e7) },
  { flag: 'duration', arg: '<duration>', help: 'measured run time after the warm-up (pitower load: 10s unless --count is given; daemon: forever)', parse: positiveDuration },
  { flag: 'count', arg: '<n>', help: 'stop after this many readings (warm-up included)', parse: positiveInteger },
  { flag: 'warmup', arg: '<duration>', help: 'run this long before measuring', default: '0s', parse: parseDuration },
  { flag: 'connect-timeout', arg: '<duration>', help: 'how long to try reaching the target at start before giving up', default: '10s', parse: positiveDuration },
  { flag: 'audit', boolean: true, help: 'after the run, read the readings back and report lost and duplicated ones' },
  { flag: 'location', arg: '<name>', help: 'location field of every reading (the Cassandra partition key)', default: 'lab' },
  { flag: 'host', arg: '<name>', help: 'host field of every reading (the Kafka message key)', default: hostname() },
  { flag: 'note', arg: '<text>', help: 'note field of every reading', default: '' },
  { flag: 'batch-size', arg: '<n>', help: 'kafka --mode batch: messages per send', default: '500', parse: (r) => parseInteger(r, 1, 100000) },
  // MySQL
  { flag: 'mysql.url', arg: '<url>', help: 'mysql://user[:password]@host[:port]/database' },
  {
    flag: 'mysql.password-file',
    arg: '<path>',
    help: 'file holding the MySQL password (trailing newline ignored); without any password source, the systemd credential mysql-password is used',
    env: 'MYSQL_PASSWORD_FILE',
  },
  { flag: 'mysql.password', arg: '<password>', help: 'MySQL password (visible in ps: prefer $MYSQL_PASSWORD or a password file)', env: 'MYSQL_PASSWORD' },
  { flag: 'mysql.table', arg: '<name>', help: 'table for the readings (created if missing)', default: 'reading', parse: parseIdentifier },
  { flag: 'rows-per-statement', arg: '<n>', help: 'mysql: rows per INSERT', default: '1', parse: (r) => parseInteger(r, 1, 10000) },
  { flag: 'commit-every', arg: '<n>', help: 'mysql: rows per transaction on each connection (1 = autocommit every row)', default: '1', parse: (r) => parseInteger(r, 1, 1000000) },
  // Kafka
  { flag: 'kafka.server', arg: '<host:port>', help: 'Kafka bootstrap server (repeatable or comma list)', repeatable: true, parse: parseHostPort },
  { flag: 'topic', arg: '<name>', help: 'kafka topic', default: 'temperature' },
  { flag: 'acks', arg: '<acks>', help: 'kafka acks: 0, 1 or all', default: 'all', choices: ['0', '1', 'all'] },
  { flag: 'mode', arg: '<mode>', help: 'kafka: sync (each reading awaited before the worker sends the next) or batch (--batch-size per send)', default: 'sync', choices: ['sync', 'batch'] },
  { flag: 'compression', arg: '<codec>', help: 'kafka compression', default: 'none', choices: ['none', 'gzip'] },
  // Cassandra
  { flag: 'cassandra.contact-point', arg: '<host[:port]>', help: 'Cassandra contact point (repeatable or comma list)', repeatable: true },
  { flag: 'cassandra.local-dc', arg: '<name>', help: 'Cassandra local data centre', default: 'datacenter1' },
  { flag: 'cassandra.keyspace', arg: '<name>', help: 'keyspace (created if missing)', default: 'pitower', parse: parseIdentifier },
  { flag: 'cassandra.table', arg: '<name>', help: 'table (created if missing)', default: 'reading', parse: parseIdentifier },
  { flag: 'cassandra.replication-factor', arg: '<n>', help: 'replication factor of a created keyspace (SimpleStrategy)', default: '1', parse: (r) => parseInteger(r, 1, 100) },
  {
    flag: 'cassandra.partition-key',
    arg: '<key>',
    help: 'partition key of a created table: location = PRIMARY KEY ((location), date, ...) (one hot partition per location), location-date = PRIMARY KEY ((location, date), ...)',
    default: 'location-date',
    choices: [...CASSANDRA_PARTITION_KEYS],
  },
  { flag: 'cassandra.consistency', arg: '<level>', help: 'consistency level of the inserts', default: 'local_one', choices: [...CASSANDRA_CONSISTENCIES] },
  // pitower load only
  { flag: 'path.sysfs', arg: '<dir>', help: 'sysfs mountpoint (the value of each reading is thermal_zone0)', default: '/sys', cliOnly: true },
  { flag: 'json', boolean: true, help: 'print one JSON object with the results on stdout instead of the table', cliOnly: true },
  {
    flag: 'prometheus.url',
    arg: '<url>',
    help: 'after the run, ask this Prometheus for the bottleneck verdict of the run\'s window (as pitower diagnose)',
    cliOnly: true,
    parse: (raw) => {
      if (!/^https?:\/\/[^\s/]+/.test(raw)) throw new Error(`"${raw}" is not an http(s) URL`);
      return raw;
    },
  },
];

export function parseIdentifier(raw: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,47}$/.test(raw)) throw new Error(`"${raw}" is not a plain identifier (letters, digits, _)`);
  return raw;
}

/** The table with every flag prefixed (`load.` in the daemon); `cli` keeps the pitower-load-only options. */
export function loadOptionSpecs(prefix: '' | 'load.', cli: boolean): OptionSpec[] {
  const own = LOAD_OPTIONS.filter((o) => cli || !o.cliOnly).map(({ cliOnly: _cliOnly, ...spec }) => ({ ...spec, flag: `${prefix}${spec.flag}` }));
  // --backend kafka reaches a TLS/SASL cluster with the collector's flags (--tls.*, --sasl.*; --load.tls.* in the daemon).
  return [...own, ...kafkaSecurityOptions(prefix)];
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
  kafka?: { brokers: string[]; topic: string; acks: -1 | 0 | 1; mode: 'sync' | 'batch'; compression: 'none' | 'gzip'; security: KafkaSecurity };
  cassandra?: {
    contactPoints: string[];
    localDc: string;
    keyspace: string;
    table: string;
    replicationFactor: number;
    partitionKey: (typeof CASSANDRA_PARTITION_KEYS)[number];
    consistency: (typeof CASSANDRA_CONSISTENCIES)[number];
  };
}

type CassandraConfig = NonNullable<LoadConfig['cassandra']>;

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

/** The URL without its password, for messages. */
export function redactUrl(raw: string): string {
  return raw.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, '$1@');
}

/** Resolved option values (keys with `prefix`) -> a validated LoadConfig. Errors name the flag. */
export function toLoadConfig(values: OptionValues, prefix: '' | 'load.', sysfs?: string): LoadConfig {
  const get = <T>(flag: string) => values.get(`${prefix}${flag}`) as T;
  const flag = (name: string) => `--${prefix}${name}`;
  const backend = get<BackendName | undefined>('backend');
  if (!backend) throw new PitowerConfigError(`${flag('backend')} is required (one of ${BACKEND_NAMES.join(', ')})`);
  const config: LoadConfig = {
    backend,
    concurrency: get<number>('concurrency'),
    rate: get<number | undefined>('rate'),
    durationSeconds: get<number | undefined>('duration'),
    count: get<number | undefined>('count'),
    warmupSeconds: get<number>('warmup'),
    connectTimeoutSeconds: get<number>('connect-timeout'),
    audit: get<boolean | undefined>('audit') === true,
    location: get<string>('location'),
    host: get<string>('host'),
    note: get<string>('note'),
    batchSize: get<number>('batch-size'),
    sysfs: sysfs ?? get<string>('path.sysfs') ?? '/sys',
  };
  if (backend === 'mysql') {
    const raw = get<string | undefined>('mysql.url');
    if (!raw) throw new PitowerConfigError(`${flag('mysql.url')} is required with ${flag('backend')} mysql`);
    let url: ReturnType<typeof parseMysqlUrl>;
    try {
      url = parseMysqlUrl(raw);
    } catch (err) {
      throw new PitowerConfigError(`${flag('mysql.url')}: ${errorMessage(err)}`);
    }
    const file = get<string | undefined>('mysql.password-file');
    const password = file ? readSecretFile(flag('mysql.password-file'), file) : (url.password ?? get<string | undefined>('mysql.password') ?? readCredential('mysql-password'));
    config.mysql = {
      ...url,
      password,
      table: get<string>('mysql.table'),
      rowsPerStatement: get<number>('rows-per-statement'),
      commitEvery: get<number>('commit-every'),
    };
  }
  if (backend !== 'kafka') {
    // TLS and SASL flags reach Kafka only: refused rather than silently ignored with another backend (a
    // password alone may come from the environment the unit sets for every backend).
    const given = ['tls.enabled', 'tls.ca-file', 'tls.cert-file', 'tls.key-file', 'tls.insecure-skip-tls-verify', 'sasl.enabled', 'sasl.username', 'sasl.password-file'].find(
      (name) => {
        const v = values.get(`${prefix}${name}`);
        return v === true || typeof v === 'string';
      },
    );
    if (given) throw new PitowerConfigError(`${flag(given)} is for ${flag('backend')} kafka, not ${backend}`);
  }
  if (backend === 'kafka') {
    const brokers = get<string[] | undefined>('kafka.server') ?? [];
    if (brokers.length === 0) throw new PitowerConfigError(`${flag('kafka.server')} is required with ${flag('backend')} kafka`);
    const acks = get<string>('acks');
    config.kafka = {
      brokers,
      topic: get<string>('topic'),
      acks: acks === 'all' ? -1 : (Number(acks) as 0 | 1),
      mode: get<'sync' | 'batch'>('mode'),
      compression: get<'none' | 'gzip'>('compression'),
      security: toKafkaSecurity(values, prefix),
    };
  }
  if (backend === 'cassandra') {
    const contactPoints = get<string[] | undefined>('cassandra.contact-point') ?? [];
    if (contactPoints.length === 0) throw new PitowerConfigError(`${flag('cassandra.contact-point')} is required with ${flag('backend')} cassandra`);
    config.cassandra = {
      contactPoints,
      localDc: get<string>('cassandra.local-dc'),
      keyspace: get<string>('cassandra.keyspace'),
      table: get<string>('cassandra.table'),
      replicationFactor: get<number>('cassandra.replication-factor'),
      partitionKey: get<CassandraConfig['partitionKey']>('cassandra.partition-key'),
      consistency: get<CassandraConfig['consistency']>('cassandra.consistency'),
    };
  }
  return config;
}
