import { hostname } from 'node:os';
import { choice, list, text, toggle, value, type Values } from '../config/options';
import { PitowerConfigError } from '../errors';
import { parseDuration, parseHostPort, parseInteger, parseRegex, positiveDuration } from '../config/parse';
import type { ProbeConfig } from './probe';
import { KAFKA_SECURITY_SCHEMA, toKafkaSecurity, type KafkaSaslConfig, type KafkaTlsConfig } from '../kafka-client/security';

/** Flags of the Kafka collector; TLS/SASL names follow kafka_exporter's. */
export const KAFKA_SCHEMA = {
  servers: list({
    flag: 'kafka.server',
    arg: '<host:port>',
    help: 'Kafka bootstrap broker; repeatable or comma-separated; enables the Kafka collector',
    parse: parseHostPort,
  }),
  metadataInterval: value({ flag: 'kafka.metadata-interval', arg: '<duration>', help: 'how often to poll cluster metadata (leaders, ISR)', default: '5s', parse: positiveDuration() }),
  offsetsInterval: value({
    flag: 'kafka.offsets-interval',
    arg: '<duration>',
    help: 'how often to poll offsets, consumer groups and topic configs in the background',
    default: '15s',
    parse: positiveDuration(),
  }),
  offsetsScrapeWait: value({
    flag: 'kafka.offsets-scrape-wait',
    arg: '<duration>',
    help: 'at each scrape, read offsets, lag and groups afresh and wait this long for them (a slower read serves the next scrape; 0 = background poll only)',
    default: '1s',
    parse: parseDuration,
  }),
  refreshMetadata: value({ flag: 'refresh.metadata', arg: '<duration>', help: "kafka_exporter's name for --kafka.metadata-interval", parse: positiveDuration() }),
  labels: value({
    flag: 'kafka.labels',
    arg: '<name=value,...>',
    help: 'constant labels on every Kafka series, as kafka_exporter (e.g. cluster=lab)',
    parse: parseConstantLabels,
  }),
  cluster: value({
    flag: 'kafka.cluster',
    arg: '<name>',
    help: 'value of the cluster label on every Kafka series (default: the cluster id the brokers report; "" for no cluster label)',
    parse: parseClusterName,
  }),
  reporter: choice({
    flag: 'kafka.reporter',
    arg: '<mode>',
    help: 'lease: of all exporters pointed at one cluster, only the holder of a consumer-group lease reports its cluster-wide families; always: this exporter always reports them (kafka_exporter\'s behaviour)',
    default: 'lease',
    choices: ['lease', 'always'],
  }),
  reporterTopic: value({
    flag: 'kafka.reporter-topic',
    arg: '<topic>',
    help: 'one-partition topic whose consumer-group lease picks the reporter (created when missing, never written to)',
    default: '__pitower_reporter',
    parse: parseTopicName,
  }),
  reporterGroup: value({
    flag: 'kafka.reporter-group',
    arg: '<group>',
    help: 'consumer group of the reporter lease (every exporter of one cluster must use the same)',
    default: 'pitower-reporter',
    parse: (raw) => {
      if (raw.trim() === '') throw new Error('must not be empty');
      return raw;
    },
  }),
  reporterTimeout: value({
    flag: 'kafka.reporter-timeout',
    arg: '<duration>',
    help: "session timeout of the lease: a dead exporter's lease passes to another after about this long (the brokers allow 6s..30s by default)",
    default: '6s',
    parse: positiveDuration(1, 300),
  }),
  minIsrDefault: value({
    flag: 'kafka.min-isr-default',
    arg: '<n>',
    help: "min.insync.replicas assumed for topics whose config cannot be read (Kafka's own default is 1)",
    default: '1',
    parse: (raw) => parseInteger(raw, 1, 1000),
  }),
  maxPartitions: value({
    flag: 'kafka.max-partitions',
    arg: '<n>',
    help: 'expose at most this many partitions (topics in name order; 0 = no cap); the rest is counted in pitower_kafka_partitions_dropped',
    default: '20000',
    parse: (raw) => parseInteger(raw, 0),
  }),
  topicFilter: value({ flag: 'topic.filter', arg: '<regex>', help: 'only topics matching this regex', default: '.*', parse: parseRegex }),
  topicExclude: value({ flag: 'topic.exclude', arg: '<regex>', help: 'leave out topics matching this regex', parse: parseRegex }),
  groupFilter: value({ flag: 'group.filter', arg: '<regex>', help: 'only consumer groups matching this regex', default: '.*', parse: parseRegex }),
  groupExclude: value({ flag: 'group.exclude', arg: '<regex>', help: 'leave out consumer groups matching this regex', parse: parseRegex }),
  probeEnabled: toggle({ flag: 'probe.enabled', help: 'run the end-to-end probe: one acks=all record per partition of its own topic every --probe.interval, consumed back (needs --kafka.server)' }),
  probeTopic: value({
    flag: 'probe.topic',
    arg: '<topic>',
    help: "the probe's own topic (created with one partition led by each broker; never another topic)",
    default: '__pitower_probe',
    parse: parseTopicName,
  }),
  probeInterval: value({ flag: 'probe.interval', arg: '<duration>', help: 'how often the probe sends one record to each partition', default: '1s', parse: positiveDuration(0.1, 60) }),
  probeTimeout: value({
    flag: 'probe.timeout',
    arg: '<duration>',
    help: 'an acknowledged probe record not consumed back this long after its ack is lost; a send not acknowledged this long failed',
    default: '10s',
    parse: positiveDuration(1, 300),
  }),
  probeGroup: text({ flag: 'probe.group', arg: '<group>', help: "the probe consumer's group (default pitower-probe-<hostname>: one per exporter)" }),
  ...KAFKA_SECURITY_SCHEMA,
};

export type KafkaValues = Values<typeof KAFKA_SCHEMA>;

export interface KafkaConfig {
  brokers: string[];
  metadataIntervalSeconds: number;
  offsetsIntervalSeconds: number;
  /** Scrape-time offsets read: how long a scrape waits for it (0 = none). */
  offsetsScrapeWaitSeconds: number;
  /** --kafka.labels, in the order given, without `cluster` (that one is `cluster`). */
  constantLabels: Array<[string, string]>;
  /** The cluster label's value: undefined = the cluster id from the metadata, "" = no cluster label. */
  cluster?: string;
  /** Who reports the cluster-wide families: the lease holder among all exporters of the cluster, or always this one. */
  reporter: KafkaReporterConfig;
  minIsrDefault: number;
  maxPartitions: number;
  topicFilter: RegExp;
  topicExclude?: RegExp;
  groupFilter: RegExp;
  groupExclude?: RegExp;
  tls?: KafkaTlsConfig;
  sasl?: KafkaSaslConfig;
  /** The end-to-end probe (--probe.enabled). */
  probe?: ProbeConfig;
}
export type { KafkaSaslConfig, KafkaTlsConfig };

export type KafkaReporterConfig = { mode: 'always' } | { mode: 'lease'; topic: string; groupId: string; sessionTimeoutSeconds: number };

/** Kafka topic names: 1..249 of [a-zA-Z0-9._-]. */
export function parseTopicName(raw: string): string {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(raw) || raw === '.' || raw === '..') throw new Error(`"${raw}" is not a Kafka topic name (1..249 of a-z A-Z 0-9 . _ -)`);
  return raw;
}

function parseClusterName(raw: string): string {
  if (raw.includes('\n')) throw new Error('must be one line');
  return raw;
}

/** Label names the Kafka families use themselves: a constant label of that name would make two labels of one name. */
const RESERVED_LABELS = new Set(['topic', 'partition', 'broker', 'id', 'address', 'consumergroup', 'log_dir', 'future', 'kind', 'reason', 'le', 'quantile']);

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

/** Resolved option values -> KafkaConfig, or undefined when --kafka.server is not given. Reads the TLS/SASL files. */
export function toKafkaConfig(values: KafkaValues): KafkaConfig | undefined {
  const brokers = values.servers;
  if (brokers.length === 0) {
    if (values.probeEnabled) throw new PitowerConfigError('--probe.enabled needs --kafka.server');
    return undefined;
  }
  const labels = values.labels ?? [];
  // `--kafka.labels cluster=lab` (kafka_exporter's way) names the cluster as --kafka.cluster=lab does.
  const labelled = labels.find(([name]) => name === 'cluster');
  if (labelled && values.cluster !== undefined) throw new PitowerConfigError('--kafka.cluster and a cluster= in --kafka.labels name the cluster twice: give one');
  return {
    brokers,
    metadataIntervalSeconds: values.refreshMetadata ?? values.metadataInterval,
    offsetsIntervalSeconds: values.offsetsInterval,
    offsetsScrapeWaitSeconds: values.offsetsScrapeWait,
    constantLabels: labels.filter(([name]) => name !== 'cluster'),
    cluster: labelled ? labelled[1] : values.cluster,
    reporter:
      values.reporter === 'always'
        ? { mode: 'always' }
        : { mode: 'lease', topic: values.reporterTopic, groupId: values.reporterGroup, sessionTimeoutSeconds: values.reporterTimeout },
    minIsrDefault: values.minIsrDefault,
    maxPartitions: values.maxPartitions,
    topicFilter: values.topicFilter,
    topicExclude: values.topicExclude,
    groupFilter: values.groupFilter,
    groupExclude: values.groupExclude,
    probe: values.probeEnabled
      ? { topic: values.probeTopic, intervalSeconds: values.probeInterval, timeoutSeconds: values.probeTimeout, groupId: values.probeGroup ?? `pitower-probe-${hostname()}` }
      : undefined,
    ...toKafkaSecurity(values),
  };
}
