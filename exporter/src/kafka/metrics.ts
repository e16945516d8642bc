import { Counter, Gauge, type Registry } from 'prom-client';
import type { Exposition } from '../daemon/extension';
import { deflatePart } from '../exposition/gzip-stream';
import { diffSnapshots, toCounters, type PartitionCounters } from './diff';
import { renderClusterFamilies, renderOffsetFamilies, toClampedCounts, withConstantLabels, type RenderedFamily } from './render';
import { emptyClusterSnapshot, type ClusterSnapshot, type OffsetsSnapshot } from './snapshot';

export type PollKind = 'metadata' | 'offsets';
/** Where a poll error happened: the whole metadata poll, one topic's metadata, offsets, groups, configs, a broker probe. */
export type ErrorKind = 'metadata' | 'topic' | 'offsets' | 'groups' | 'configs' | 'broker';

/**
 * The boundary between the poller and /metrics. The poller (or the benchmark) hands in snapshots; each is
 * diffed against the previous one and rendered to text right away, off the scrape path. At scrape time
 * `publish()` only swaps the latest text into the registry and sets the age: its cost does not depend on
 * Kafka at all.
 */
export class KafkaMetrics {
  private cluster: ClusterSnapshot = emptyClusterSnapshot();
  private offsets: OffsetsSnapshot = { takenAt: 0, partitions: [], groups: [] };
  private counters = new Map<string, PartitionCounters>();
  private clamped = new Map<string, number>();
  private clusterFamilies: RenderedFamily[] = [];
  private offsetFamilies: RenderedFamily[] = [];
  private exposed: Exposition = { plain: Buffer.alloc(0) };
  private generation = 0;
  private readonly up: Gauge<string>;
  private readonly age: Gauge<string>;
  private readonly offsetsAge: Gauge<string>;
  private readonly duration: Gauge<string>;
  private readonly errors: Counter<string>;
  private readonly patchOk: Gauge<string>;
  private readonly startedAt: number;
  /** --kafka.labels, on these series too. */
  private readonly constant: Record<string, string>;

  constructor(
    private readonly registry: Registry,
    private readonly now: () => number = Date.now,
    private readonly constantLabels: ReadonlyArray<readonly [string, string]> = [],
  ) {
    this.startedAt = now();
    this.constant = Object.fromEntries(constantLabels);
    const names = constantLabels.map(([name]) => name);
    this.up = new Gauge({ name: 'pitower_kafka_up', help: 'Whether the last metadata poll of the Kafka cluster succeeded.', labelNames: names, registers: [registry] });
    this.age = new Gauge({
      name: 'pitower_kafka_metadata_age_seconds',
      help: 'Seconds since the cluster metadata shown was fetched (since exporter start before the first success).',
      labelNames: names,
      registers: [registry],
    });
    this.offsetsAge = new Gauge({
      name: 'pitower_kafka_offsets_age_seconds',
      help: 'Seconds since the offsets, consumer groups and lag shown were fetched (since exporter start before the first success).',
      labelNames: names,
      registers: [registry],
    });
    this.duration = new Gauge({
      name: 'pitower_kafka_poll_duration_seconds',
      help: 'Duration of the last Kafka poll of this kind.',
      labelNames: [...names, 'kind'],
      registers: [registry],
    });
    this.patchOk = new Gauge({
      name: 'pitower_kafka_metadata_patch_ok',
      help: "1 when kafkajs' Metadata parsers were patched at start-up to keep partition errors (offline partitions readable); 0: see the start-up log.",
      labelNames: [...names, 'kafkajs_version'],
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'pitower_kafka_poll_errors_total',
      help: 'Kafka poll errors by kind (metadata, topic, offsets, groups, configs, broker) and reason (Kafka error type).',
      labelNames: [...names, 'kind', 'reason'],
      registers: [registry],
    });
    this.up.set(this.constant, 0);
    for (const kind of ['metadata', 'offsets']) this.duration.set({ ...this.constant, kind }, 0);
    // Every family present from the start (with no samples) so dashboards see the names at once.
    this.clusterFamilies = renderClusterFamilies(this.cluster, this.counters);
    this.offsetFamilies = renderOffsetFamilies(this.offsets, this.clamped);
    this.rebuild();
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
    this.up.set(this.constant, 1);
    const families = renderClusterFamilies(next, this.counters);
    if (sameFamilies(families, this.clusterFamilies)) return;
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
    this.up.set(this.constant, 0);
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
    this.duration.set({ ...this.constant, kind }, seconds);
  }

  onError(kind: ErrorKind, reason: string): void {
    this.errors.inc({ ...this.constant, kind, reason });
  }

  /** The latest rendered families, appended to /metrics after the registry (see DaemonExtension.exposition). */
  exposition(): Exposition {
    return this.exposed;
  }

  /** Scrape time: the age from the clock (the rest was rendered when it was polled). */
  /** The start-up check of tolerant-metadata.ts. */
  onMetadataPatch(ok: boolean, kafkajsVersion: string): void {
    this.patchOk.reset();
    this.patchOk.set({ ...this.constant, kafkajs_version: kafkajsVersion }, ok ? 1 : 0);
  }

  publish(): void {
    const since = this.cluster.takenAt > 0 ? this.cluster.takenAt : this.startedAt;
    this.age.set(this.constant, Math.max(0, (this.now() - since) / 1000));
    const offsetsSince = this.offsets.takenAt > 0 ? this.offsets.takenAt : this.startedAt;
    this.offsetsAge.set(this.constant, Math.max(0, (this.now() - offsetsSince) / 1000));
  }

  unregister(): void {
    for (const name of ['pitower_kafka_up', 'pitower_kafka_metadata_age_seconds', 'pitower_kafka_offsets_age_seconds', 'pitower_kafka_poll_duration_seconds', 'pitower_kafka_poll_errors_total', 'pitower_kafka_metadata_patch_ok']) {
      this.registry.removeSingleMetric(name);
    }
  }

  /** New text now; its deflated part follows from zlib's thread pool and is used only while still current. */
  private rebuild(): void {
    const plain = Buffer.from(toExpositionText(withConstantLabels([...this.clusterFamilies, ...this.offsetFamilies], this.constantLabels)));
    const generation = ++this.generation;
    this.exposed = { plain };
    deflatePart(plain).then(
      (deflated) => {
        if (generation === this.generation) this.exposed = { plain, deflated };
      },
      () => undefined, // scrapes keep getting the plain text
    );
  }
}

/**
 * Whether a poll rendered exactly the text already served. A quiet cluster renders the same text every
 * poll; keeping the served text (and its deflated part) then spares the rebuild, the deflate and the window
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
