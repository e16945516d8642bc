import { choice, prefixSchema, text, value, type Values } from '../config/options';
import { parseInteger, positiveDuration } from '../config/parse';
import { PitowerConfigError } from '../errors';
import { kafkaSecuritySchema, toKafkaSecurity, type KafkaSecurity } from '../kafka-client/security';
import { loadSchema, toCassandraTarget, toMysqlTarget, type LoadConfig } from '../load/options';

/**
 * `pitower sink` (and `pitower exporter --sink.*`): readings from a Kafka topic into MySQL or Cassandra.
 * The Kafka, MySQL and Cassandra options are the load generator's own entries (one table of flags for
 * both); the sink adds its group, its backend choice and how it writes.
 */
const L = loadSchema('');

const SINK_SCHEMA = {
  backend: choice({ flag: 'backend', arg: '<name>', help: 'where the readings go: mysql or cassandra', choices: ['mysql', 'cassandra'] }),
  kafkaServers: { ...L.kafkaServers, help: 'Kafka bootstrap server to consume from (repeatable or comma list)' },
  topic: { ...L.topic, help: 'topic of the readings (what pitower load --backend kafka writes)' },
  group: text({ flag: 'group', arg: '<group>', help: 'consumer group: offsets are committed after each write, so a restart goes on where it stopped', default: 'pitower-sink' }),
  concurrency: value({ flag: 'concurrency', arg: '<n>', help: 'writes in flight at once for one batch of records', default: '4', parse: (r) => parseInteger(r, 1, 256) }),
  rowsPerWrite: value({ flag: 'rows-per-write', arg: '<n>', help: 'rows per INSERT (mysql); Cassandra writes one row per statement', default: '100', parse: (r) => parseInteger(r, 1, 10000) }),
  connectTimeout: value({ flag: 'connect-timeout', arg: '<duration>', help: 'how long to try reaching the database at start', default: '10s', parse: positiveDuration() }),
  mysqlUrl: L.mysqlUrl,
  mysqlPasswordFile: L.mysqlPasswordFile,
  mysqlPassword: L.mysqlPassword,
  mysqlTable: { ...L.mysqlTable, default: 'kafka_reading', help: 'table for the readings, keyed on (producer, seq) (created if missing)' },
  cassandraContactPoints: L.cassandraContactPoints,
  cassandraLocalDc: L.cassandraLocalDc,
  cassandraKeyspace: L.cassandraKeyspace,
  cassandraTable: L.cassandraTable,
  cassandraReplicationFactor: L.cassandraReplicationFactor,
  cassandraPartitionKey: L.cassandraPartitionKey,
  cassandraConsistency: { ...L.cassandraConsistency, default: 'quorum' },
};

export type SinkSchema = typeof SINK_SCHEMA & ReturnType<typeof kafkaSecuritySchema>;
export type SinkValues = Values<SinkSchema>;

/** The sink's flags under `prefix` ('' in `pitower sink`, 'sink.' in the daemon). */
export function sinkSchema(prefix: '' | 'sink.'): SinkSchema {
  return { ...prefixSchema(SINK_SCHEMA, prefix), ...kafkaSecuritySchema(prefix) };
}

export interface SinkConfig {
  backend: 'mysql' | 'cassandra';
  brokers: string[];
  security: KafkaSecurity;
  topic: string;
  groupId: string;
  concurrency: number;
  connectTimeoutSeconds: number;
  mysql?: NonNullable<LoadConfig['mysql']> & { idempotent: true };
  cassandra?: NonNullable<LoadConfig['cassandra']>;
}

/** Resolved values -> SinkConfig (errors name the flag under `prefix`). */
export function toSinkConfig(values: SinkValues, prefix: '' | 'sink.'): SinkConfig {
  const flag = (name: string) => `--${prefix}${name}`;
  const backend = values.backend;
  if (!backend) throw new PitowerConfigError(`${flag('backend')} is required (mysql or cassandra)`);
  if (values.kafkaServers.length === 0) throw new PitowerConfigError(`${flag('kafka.server')} is required`);
  const config: SinkConfig = {
    backend,
    brokers: values.kafkaServers,
    security: toKafkaSecurity(values, prefix),
    topic: values.topic,
    groupId: values.group,
    concurrency: values.concurrency,
    connectTimeoutSeconds: values.connectTimeout,
  };
  if (backend === 'mysql') config.mysql = { ...toMysqlTarget(values, flag), rowsPerStatement: values.rowsPerWrite, commitEvery: 1, idempotent: true };
  else config.cassandra = toCassandraTarget(values, flag);
  return config;
}
