import { readCredential, readSecretFile, readSmallFile, type OptionSpec, type OptionValues } from '../config/options';
import { parseDuration, parseInteger, parseRegex } from '../config/parse';
import { PitowerConfigError } from '../errors';

/** Flags of the Kafka collector; TLS/SASL names follow kafka_exporter's. */
export const KAFKA_OPTIONS: OptionSpec[] = [
  {
    flag: 'kafka.server',
    arg: '<host:port>',
    help: 'Kafka bootstrap broker; repeatable or comma-separated; enables the Kafka collector',
    repeatable: true,
    parse: parseBrokerAddress,
  },
  { flag: 'kafka.metadata-interval', arg: '<duration>', help: 'how often to poll cluster metadata (leaders, ISR)', default: '5s', parse: parsePositiveDuration },
  { flag: 'kafka.offsets-interval', arg: '<duration>', help: 'how often to poll offsets, consumer groups and topic configs in the background', default: '15s', parse: parsePositiveDuration },
  {
    flag: 'kafka.offsets-scrape-wait',
    arg: '<duration>',
    help: 'at each scrape, read offsets, lag and groups afresh and wait this long for them (a slower read serves the next scrape; 0 = background poll only)',
    default: '1s',
    parse: parseDuration,
  },
  { flag: 'refresh.metadata', arg: '<duration>', help: "kafka_exporter's name for --kafka.metadata-interval", parse: parsePositiveDuration },
  {
    flag: 'kafka.labels',
    arg: '<name=value,...>',
    help: 'constant labels on every Kafka series, as kafka_exporter (e.g. cluster=lab)',
    parse: parseConstantLabels,
  },
  {
    flag: 'kafka.min-isr-default',
    arg: '<n>',
    help: "min.insync.replicas assumed for topics whose config cannot be read (Kafka's own default is 1)",
    default: '1',
    parse: (raw) => parseInteger(raw, 1, 1000),
  },
  {
    flag: 'kafka.max-partitions',
    arg: '<n>',
    help: 'expose at most this many partitions (topics in name order; 0 = no cap); the rest is counted in pitower_kafka_partitions_dropped',
    default: '20000',
    parse: (raw) => parseInteger(raw, 0),
  },
  { flag: 'topic.filter', arg: '<regex>', help: 'only topics matching this regex', default: '.*', parse: parseRegex },
  { flag: 'topic.exclude', arg: '<regex>', help: 'leave out topics matching this regex', parse: parseRegex },
  { flag: 'group.filter', arg: '<regex>', help: 'only consumer groups matching this regex', default: '.*', parse: parseRegex },
  { flag: 'group.exclude', arg: '<regex>', help: 'leave out consumer groups matching this regex', parse: parseRegex },
  { flag: 'tls.enabled', boolean: true, help: 'connect to Kafka with TLS' },
  { flag: 'tls.ca-file', arg: '<path>', help: 'CA certificate file to verify the brokers' },
  { flag: 'tls.cert-file', arg: '<path>', help: 'client certificate file (mutual TLS)' },
  { flag: 'tls.key-file', arg: '<path>', help: 'client private key file (mutual TLS)' },
  { flag: 'tls.insecure-skip-tls-verify', boolean: true, help: "don't verify the brokers' certificates" },
  { flag: 'sasl.enabled', boolean: true, help: 'authenticate with SASL' },
  { flag: 'sasl.mechanism', arg: '<mechanism>', help: 'SASL mechanism', default: 'plain', choices: ['plain', 'scram-sha256', 'scram-sha512'] },
  { flag: 'sasl.username', arg: '<user>', help: 'SASL user name' },
  {
    flag: 'sasl.password',
    arg: '<password>',
    help: 'SASL password (prefer $PITOWER_KAFKA_SASL_PASSWORD or --sasl.password-file: argv is visible to other users)',
    env: 'PITOWER_KAFKA_SASL_PASSWORD',
  },
  {
    flag: 'sasl.password-file',
    arg: '<path>',
    help: 'file holding the SASL password (trailing newline ignored); without a password source, the systemd credential kafka-sasl-password is used',
    env: 'PITOWER_KAFKA_SASL_PASSWORD_FILE',
  },
];

export interface KafkaTlsConfig {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface KafkaSaslConfig {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaConfig {
  brokers: string[];
  metadataIntervalSeconds: number;
  offsetsIntervalSeconds: number;
  /** Scrape-time offsets read: how long a scrape waits for it (0 = none). */
  offsetsScrapeWaitSeconds: number;
  /** --kafka.labels, in the order given. */
  constantLabels: Array<[string, string]>;
  minIsrDefault: number;
  maxPartitions: number;
  topicFilter: RegExp;
  topicExclude?: RegExp;
  groupFilter: RegExp;
  groupExclude?: RegExp;
  tls?: KafkaTlsConfig;
  sasl?: KafkaSaslConfig;
}

export function parseBrokerAddress(raw: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(raw.trim());
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) throw new Error(`invalid broker address "${raw}": expected host:port`);
  return raw.trim();
}

/** Label names the Kafka families use themselves: a constant label of that name would make two labels of one name. */
const RESERVED_LABELS = new Set(['topic', 'partition', 'broker', 'id', 'address', 'consumergroup', 'le', 'quantile']);

/** `--kafka.labels cluster=lab,site=shed` -> [["cluster","lab"],["site","shed"]] (kafka_exporter's format). */
export function parseConstantLabels(raw: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part.trim() : part.slice(0, eq).trim();
    if (eq < 0 || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) throw new Error(`"${part}" is not name=value with a Prometheus label name`);
    if (RESERVED_LABELS.has(name)) throw new Error(`label "${name}" is one the Kafka series already carry`);
    if (out.some(([n]) => n === name)) throw new Error(`label "${name}" given twice`);
    out.push([name, part.slice(eq + 1)]);
  }
  return out;
}

function parsePositiveDuration(raw: string): number {
  const seconds = parseDuration(raw);
  if (seconds <= 0) throw new Error(`"${raw}" must be greater than 0`);
  return seconds;
}

/** Resolved option values -> KafkaConfig, or undefined when --kafka.server is not given. Reads the TLS/SASL files. */
export function toKafkaConfig(values: OptionValues): KafkaConfig | undefined {
  const brokers = (values.get('kafka.server') as string[] | undefined) ?? [];
  if (brokers.length === 0) return undefined;
  const refresh = values.get('refresh.metadata') as number | undefined;
  const config: KafkaConfig = {
    brokers,
    metadataIntervalSeconds: refresh ?? (values.get('kafka.metadata-interval') as number),
    offsetsIntervalSeconds: values.get('kafka.offsets-interval') as number,
    offsetsScrapeWaitSeconds: values.get('kafka.offsets-scrape-wait') as number,
    constantLabels: (values.get('kafka.labels') as Array<[string, string]> | undefined) ?? [],
    minIsrDefault: values.get('kafka.min-isr-default') as number,
    maxPartitions: values.get('kafka.max-partitions') as number,
    topicFilter: values.get('topic.filter') as RegExp,
    topicExclude: values.get('topic.exclude') as RegExp | undefined,
    groupFilter: values.get('group.filter') as RegExp,
    groupExclude: values.get('group.exclude') as RegExp | undefined,
  };
  const tlsFiles = ['tls.ca-file', 'tls.cert-file', 'tls.key-file'].filter((f) => values.get(f) !== undefined);
  if (values.get('tls.enabled') === true) {
    const read = (flag: string): string | undefined => {
      const path = values.get(flag) as string | undefined;
      return path === undefined ? undefined : readSmallFile(`--${flag}`, path);
    };
    config.tls = { ca: read('tls.ca-file'), cert: read('tls.cert-file'), key: read('tls.key-file'), rejectUnauthorized: values.get('tls.insecure-skip-tls-verify') !== true };
    if ((config.tls.cert === undefined) !== (config.tls.key === undefined)) {
      throw new PitowerConfigError('--tls.cert-file and --tls.key-file must be given together');
    }
  } else if (tlsFiles.length > 0) {
    throw new PitowerConfigError(`--${tlsFiles[0]} needs --tls.enabled`);
  }
  if (values.get('sasl.enabled') === true) {
    const username = values.get('sasl.username') as string | undefined;
    if (!username) throw new PitowerConfigError('--sasl.username is required with --sasl.enabled');
    const file = values.get('sasl.password-file') as string | undefined;
    const password =
      file !== undefined ? readSecretFile('--sasl.password-file', file) : ((values.get('sasl.password') as string | undefined) ?? readCredential('kafka-sasl-password'));
    if (!password) {
      throw new PitowerConfigError(
        '--sasl.enabled needs a password: --sasl.password-file (or $PITOWER_KAFKA_SASL_PASSWORD_FILE), $PITOWER_KAFKA_SASL_PASSWORD, the systemd credential kafka-sasl-password, or --sasl.password',
      );
    }
    const mechanism = values.get('sasl.mechanism') as string;
    config.sasl = {
      mechanism: mechanism === 'scram-sha256' ? 'scram-sha-256' : mechanism === 'scram-sha512' ? 'scram-sha-512' : 'plain',
      username,
      password,
    };
  }
  return config;
}
