import { Counter, Gauge, type Registry } from 'prom-client';
import type { Exposition } from '../daemon/extension';
import { diffSnapshots, toCounters, type PartitionCounters } from './diff';
import { renderClusterFamilies, renderOffsetFamilies, toClampedCounts, withConstantLabels, type RenderedFamily } from './render';
import { emptyClusterSnapshot, type ClusterSnapshot, type OffsetsSnapshot } from './snapshot';

export type PollKind = 'metadata' | 'offsets';
/** Where a poll error happened: the whole metadata poll, one topic's metadata, offsets, groups, configs, a broker probe, the reporter lease. */
export type ErrorKind = 'metadata' | 'topic' | 'offsets' | 'groups' | 'configs' | 'broker' | 'lease' | 'log_dirs';

/**
 * The boundary between the poller and /metrics. The poller (or the benchmark) hands in snapshots; each is
 * diffed against the previous one and rendered to text right away, off the scrape path. At scrape time
 * `publish()` only swaps the latest text into the registry and sets the age: its cost does not depend on
 * Kafka at all.
 */
export interface KafkaMetricsLabels {
  /** --kafka.labels (without cluster), on every series. */
  constant?: ReadonlyArray<readonly [string, string]>;
  /** The cluster label: undefined = the cluster id of the latest metadata, "" = none. */
  cluster?: string;
}

const SELF_METRICS = [
  'pitower_kafka_up',
  'pitower_kafka_metadata_age_seconds',
  'pitower_kafka_offsets_age_seconds',
  'pitower_kafka_poll_duration_seconds',
  'pitower_kafka_poll_errors_total',
  'pitower_kafka_metadata_patch_ok',
  'pitower_kafka_reporter',
];

interface SelfMetrics {
  up: Gauge<string>;
  age: Gauge<string>;
  offsetsAge: Gauge<string>;
  duration: Gauge<string>;
  errors: Counter<string>;
  patchOk: Gauge<string>;
  reporter: Gauge<string>;
}

export class KafkaMetrics {
  private cluster: ClusterSnapshot = emptyClusterSnapshot();
  private offsets: OffsetsSnapshot = { takenAt: 0, partitions: [], groups: [] };
  private counters = new Map<string, PartitionCounters>();
  private clamped = new Map<string, number>();
  private clusterFamilies: RenderedFamily[] = [];
  private offsetFamilies: RenderedFamily[] = [];
  private exposed: Exposition = { plain: Buffer.alloc(0), generation: 0 };
  private generation = 0;
  private self!: SelfMetrics;
  private readonly startedAt: number;
  /** The labels on every series now: cluster (once known) and --kafka.labels. */
  private labels: Array<readonly [string, string]> = [];
  private constant: Record<string, string> = {};
  /** What the self metrics hold, kept here so that they can be registered again when the cluster label changes. */
  private state = {
    up: 0,
    durations: new Map<PollKind, number>([
      ['metadata', 0],
      ['offsets', 0],
    ]),
    errors: new Map<string, { kind: ErrorKind; reason: string; n: number }>(),
    patch: undefined as { ok: boolean; version: string } | undefined,
  };
  /** Whether this exporter reports the cluster-wide families (the lease holder, or --kafka.reporter=always). */
  private reporting = true;
  private metadataFailures = 0;

  constructor(
    private readonly registry: Registry,
    private readonly now: () => number = Date.now,
    private readonly labelConfig: KafkaMetricsLabels = {},
  ) {
    this.startedAt = now();
    this.relabel(this.toLabels());
    // Every family present from the start (with no samples) so dashboards see the names at once.
    this.clusterFamilies = renderClusterFamilies(this.cluster, this.counters);
    this.offsetFamilies = renderOffsetFamilies(this.offsets, this.clamped);
    this.rebuild();
  }

  /** The cluster label's value now, undefined when there is none (yet). */
  clusterLabel(): string | undefined {
    return this.labels.find(([name]) => name === 'cluster')?.[1];
  }

  private toLabels(): Array<readonly [string, string]> {
    const { cluster } = this.labelConfig;
    const value = cluster === undefined ? this.cluster.clusterId : cluster;
    return [...(value ? [['cluster', value] as const] : []), ...(this.labelConfig.constant ?? [])];
  }

  /** (Re)registers the self metrics with `labels`, carrying their values over; false when the labels are the same. */
  private relabel(labels: Array<readonly [string, string]>): boolean {
    if (this.self && sameLabels(labels, this.labels)) return false;
    this.labels = labels;
    this.constant = Object.fromEntries(labels);
    for (const name of SELF_METRICS) this.registry.removeSingleMetric(name);
    const names = labels.map(([name]) => name);
    const registers = [this.registry];
    this.self = {
      up: new Gauge({ name: 'pitower_kafka_up', help: 'Whether the last metadata poll of the Kafka cluster succeeded.', labelNames: names, registers }),
      age: new Gauge({
        name: 'pitower_kafka_metadata_age_seconds',
        help: 'Seconds since the cluster metadata shown was fetched (since exporter start before the first success).',
        labelNames: names,
        registers,
      }),
      offsetsAge: new Gauge({
        name: 'pitower_kafka_offsets_age_seconds',
        help: 'Seconds since the offsets, consumer groups and lag shown were fetched (since exporter start before the first success).',
        labelNames: names,
        registers,
      }),
      duration: new Gauge({ name: 'pitower_kafka_poll_duration_seconds', help: 'Duration of the last Kafka poll of this kind.', labelNames: [...names, 'kind'], registers }),
      patchOk: new Gauge({
        name: 'pitower_kafka_metadata_patch_ok',
        help: "1 when kafkajs' Metadata parsers were patched at start-up to keep partition errors (offline partitions readable); 0: see the start-up log.",
        labelNames: [...names, 'kafkajs_version'],
        registers,
      }),
      errors: new Counter({
        name: 'pitower_kafka_poll_errors_total',
        help: 'Kafka poll errors by kind (metadata, topic, offsets, groups, configs, broker, lease, log_dirs) and reason (Kafka error type).',
        labelNames: [...names, 'kind', 'reason'],
        registers,
      }),
      reporter: new Gauge({
        name: 'pitower_kafka_reporter',
        help: "1 while this exporter reports the cluster's kafka_* families (it holds the reporter lease, or --kafka.reporter=always); 0 while another exporter does.",
        labelNames: names,
        registers,
      }),
    };
    this.self.up.set(this.constant, this.state.up);
    this.self.reporter.set(this.constant, this.reporting ? 1 : 0);
    for (const [kind, seconds] of this.state.durations) this.self.duration.set({ ...this.constant, kind }, seconds);
    for (const e of this.state.errors.values()) this.self.errors.inc({ ...this.constant, kind: e.kind, reason: e.reason }, e.n);
    if (this.state.patch) this.self.patchOk.set({ ...this.constant, kafkajs_version: this.state.patch.version }, this.state.patch.ok ? 1 : 0);
    this.publish();
    return true;
  }

  /** The lease says whether this exporter reports the cluster-wide families; the others expose them without samples. */
  setReporting(reporting: boolean): void {
    if (reporting === this.reporting) return;
    this.reporting = reporting;
    this.self.reporter.set(this.constant, reporting ? 1 : 0);
    this.rebuild();
  }

  isReporting(): boolean {
    return this.reporting;
  }

  latest(): ClusterSnapshot {
    return this.cluster;
  }

  latestOffsets(): OffsetsSnapshot {
    return this.offsets;
  }

  onMetadata(next: ClusterSnapshot): void {
    this.counters = toCounters(this.counters, next, diffSnapshots(this.cluster, next));
    this.cluster = next;
    this.metadataFailures = 0;
    this.setUp(1);
    const relabelled = this.relabel(this.toLabels());
    const families = renderClusterFamilies(next, this.counters);
    if (!relabelled && sameFamilies(families, this.clusterFamilies)) return;
    this.clusterFamilies = families;
    this.rebuild();
  }

  onOffsets(next: OffsetsSnapshot): void {
    this.clamped = toClampedCounts(this.clamped, next);
    this.offsets = next;
    const families = renderOffsetFamilies(next, this.clamped);
    if (sameFamilies(families, this.offsetFamilies)) return;
    this.offsetFamilies = families;
    this.rebuild();
  }

  onMetadataFailure(): void {
    this.metadataFailures++;
    this.setUp(0);
  }

  /**
   * Whether this exporter sees the cluster well enough to report it: it has had metadata, and not two
   * polls in a row failed since (one timeout does not move the lease).
   */
  seesCluster(): boolean {
    return this.cluster.takenAt > 0 && this.metadataFailures < 2;
  }

  private setUp(value: number): void {
    this.state.up = value;
    this.self.up.set(this.constant, value);
  }

  /** Probe results while metadata cannot be fetched: the last snapshot with its brokers' reachability updated. */
  onReachability(reachable: ReadonlyMap<number, boolean>): void {
    if (this.cluster.brokers.length === 0) return;
    const update = (brokers: ClusterSnapshot['brokers']) => brokers.map((b) => ({ ...b, reachable: reachable.get(b.id) ?? b.reachable }));
    this.cluster = {
      ...this.cluster,
      brokers: update(this.cluster.brokers),
      ...(this.cluster.departedBrokers ? { departedBrokers: update(this.cluster.departedBrokers) } : {}),
    };
    this.clusterFamilies = renderClusterFamilies(this.cluster, this.counters);
    this.rebuild();
  }

  onPoll(kind: PollKind, seconds: number): void {
    this.state.durations.set(kind, seconds);
    this.self.duration.set({ ...this.constant, kind }, seconds);
  }

  onError(kind: ErrorKind, reason: string): void {
    const key = `${kind}\u0000${reason}`;
    const e = this.state.errors.get(key) ?? { kind, reason, n: 0 };
    e.n++;
    this.state.errors.set(key, e);
    this.self.errors.inc({ ...this.constant, kind, reason });
  }

  /** The latest rendered families, appended to /metrics after the registry (see DaemonExtension.exposition). */
  exposition(): Exposition {
    return this.exposed;
  }

  /** Scrape time: the age from the clock (the rest was rendered when it was polled). */
  /** The start-up check of tolerant-metadata.ts. */
  onMetadataPatch(ok: boolean, kafkajsVersion: string): void {
    this.state.patch = { ok, version: kafkajsVersion };
    this.self.patchOk.reset();
    this.self.patchOk.set({ ...this.constant, kafkajs_version: kafkajsVersion }, ok ? 1 : 0);
  }

  publish(): void {
    const since = this.cluster.takenAt > 0 ? this.cluster.takenAt : this.startedAt;
    this.self.age.set(this.constant, Math.max(0, (this.now() - since) / 1000));
    const offsetsSince = this.offsets.takenAt > 0 ? this.offsets.takenAt : this.startedAt;
    this.self.offsetsAge.set(this.constant, Math.max(0, (this.now() - offsetsSince) / 1000));
  }

  unregister(): void {
    for (const name of SELF_METRICS) this.registry.removeSingleMetric(name);
  }

  /** New text, under a new generation (HTTP compresses each generation once). */
  private rebuild(): void {
    // A non-reporter keeps every family name (HELP/TYPE) and no samples: the reporter has them.
    const families = [...this.clusterFamilies, ...this.offsetFamilies].map((f) => (this.reporting ? f : { ...f, body: '' }));
    this.exposed = { plain: Buffer.from(toExpositionText(withConstantLabels(families, this.labels))), generation: ++this.generation };
  }
}

function sameLabels(a: ReadonlyArray<readonly [string, string]>, b: ReadonlyArray<readonly [string, string]>): boolean {
  return a.length === b.length && a.every(([n, v], i) => b[i][0] === n && b[i][1] === v);
}

/**
 * Whether a poll rendered exactly the text already served. A quiet cluster renders the same text every
 * poll; keeping the served text (and its generation) then spares the rebuild, the compression and the window
 * in which scrapes would get the plain text: at 10,000 partitions that was most of a scrape's cost.
 */
export function sameFamilies(a: readonly RenderedFamily[], b: readonly RenderedFamily[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i].name && f.body === b[i].body);
}

/** Prometheus text format for pre-rendered families, as prom-client would write them. */
export function toExpositionText(families: readonly RenderedFamily[]): string {
  return families
    .map((f) => {
      const help = f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
      return `# HELP ${f.name} ${help}\n# TYPE ${f.name} ${f.type}\n${f.body === '' ? '' : `${f.body}\n`}`;
    })
    .join('');
}
