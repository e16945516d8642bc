import { randomBytes } from 'node:crypto';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { errorMessage } from '../errors';
import { createBackoff } from '../retry';
import { parseProbeRecord, ProbeTracker, type ProbeOutcome, type ProbeRecord } from './probe-tracker';

/**
 * The end-to-end probe (`--probe.enabled`): does a record written now come back, how fast, through which
 * broker. It owns one topic whose partitions are spread so that every broker is the preferred leader of one
 * (created, and given a partition for each broker added later), produces one small acks=all record to each
 * partition every interval, consumes them back in its own consumer group and commits. Never writes to any
 * other topic. The bookkeeping is probe-tracker.ts (pure); this file is the I/O around it.
 */

export interface ProbeConfig {
  topic: string;
  intervalSeconds: number;
  /** An acknowledged record not received this long after its ack is lost; a send not acknowledged this long failed. */
  timeoutSeconds: number;
  groupId: string;
}

export interface ProbeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Probe latencies on a Pi lab: 1 ms .. 30 s. */
export const PROBE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Sends awaiting their acknowledgement per partition, at most (a stuck leader holds at most this many). */
export const MAX_IN_FLIGHT = 10;

/** Topic shape checks (brokers added) every this many intervals. */
const SHAPE_EVERY = 30;

export interface PartitionLayout {
  partition: number;
  replicas: number[];
}

/**
 * The partitions to add so that every broker is the preferred leader (first replica) of one: for each broker
 * without one, a partition led by it, followed by the next brokers in id order, `replicationFactor` in all.
 *
 *   brokers 1,2,3, none yet, RF 3     -> [1,2,3], [2,3,1], [3,1,2]
 *   brokers 1,2,3,4, [1,2,3] [2,3,1] [3,1,2] -> [4,1,2]
 */
export function planProbePartitions(brokers: readonly number[], existing: readonly PartitionLayout[], replicationFactor: number): number[][] {
  const ids = [...new Set(brokers)].sort((a, b) => a - b);
  const rf = Math.max(1, Math.min(replicationFactor, ids.length));
  const led = new Set(existing.map((p) => p.replicas[0]));
  return ids
    .filter((id) => !led.has(id))
    .map((id) => {
      const start = ids.indexOf(id);
      return Array.from({ length: rf }, (_, i) => ids[(start + i) % ids.length]);
    });
}

interface ProbeMetrics {
  apply(outcomes: ProbeOutcome[]): void;
  sent(partition: number, broker: number): void;
  commit(seconds: number): void;
  up: Gauge;
}

function createProbeMetrics(registry: Registry, tracker: () => ProbeTracker): ProbeMetrics {
  const labelNames = ['partition', 'broker'] as const;
  const counter = (what: string, help: string) =>
    new Counter({ name: `pitower_probe_records_${what}_total`, help, labelNames, registers: [registry] });
  const sent = counter('sent', 'Probe records sent, by partition and the leader it was sent to.');
  const counters: Record<Exclude<ProbeOutcome['kind'], never>, Counter> = {
    acknowledged: counter('acknowledged', 'Probe records the leader acknowledged (acks=all).'),
    failed: counter('failed', 'Probe sends not acknowledged (error or --probe.timeout): a stuck or unreachable leader. Not lost: they were never acknowledged.'),
    received: counter('received', 'Probe records consumed back (first copy).'),
    lost: counter('lost', 'Probe records acknowledged but not consumed back within --probe.timeout of the ack.'),
    duplicated: counter('duplicated', 'Probe records consumed more than once.'),
    'out-of-order': counter('out_of_order', 'Probe records consumed after a later record of the same partition.'),
  };
  const produce = new Histogram({
    name: 'pitower_probe_produce_latency_seconds',
    help: 'From the send of a probe record to its acks=all acknowledgement.',
    labelNames,
    buckets: PROBE_BUCKETS,
    registers: [registry],
  });
  const endToEnd = new Histogram({
    name: 'pitower_probe_end_to_end_latency_seconds',
    help: 'From the send of a probe record to its consumption by the probe consumer.',
    labelNames,
    buckets: PROBE_BUCKETS,
    registers: [registry],
  });
  const commit = new Histogram({
    name: 'pitower_probe_commit_latency_seconds',
    help: "The probe consumer's offset commits.",
    buckets: PROBE_BUCKETS,
    registers: [registry],
  });
  const up = new Gauge({ name: 'pitower_probe_up', help: 'Whether the probe runs: its producer and consumer are connected and its topic is in shape.', registers: [registry] });
  new Gauge({
    name: 'pitower_probe_pending_records',
    help: 'Probe records sent or acknowledged and not yet consumed back, failed or lost.',
    registers: [registry],
    collect() {
      this.set(tracker().pendingCount());
    },
  });
  const known = new Set<string>();
  return {
    apply(outcomes) {
      for (const o of outcomes) {
        const labels = { partition: String(o.partition), broker: String(o.broker) };
        counters[o.kind].inc(labels);
        if (o.kind === 'acknowledged') produce.observe(labels, o.latencyMs / 1000);
        if (o.kind === 'received') endToEnd.observe(labels, o.latencyMs / 1000);
      }
    },
    sent(partition, broker) {
      const labels = { partition: String(partition), broker: String(broker) };
      const key = `${labels.partition}/${labels.broker}`;
      if (!known.has(key)) {
        // every counter of a new (partition, broker) starts at 0, so the first loss is an increase()
        known.add(key);
        for (const c of Object.values(counters)) c.inc(labels, 0);
      }
      sent.inc(labels);
    },
    commit: (seconds) => commit.observe(seconds),
    up,
  };
}

export class KafkaProbe {
  private readonly tracker = new ProbeTracker(randomBytes(6).toString('hex'));
  private readonly metrics: ProbeMetrics;
  private admin?: Admin;
  private producer?: Producer;
  private consumer?: Consumer;
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private ready = false;
  private settingUp = false;
  private stopped = false;
  private nextSetupAt = 0;
  private readonly setupBackoff = createBackoff({ initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.2 });
  /** Leader per probe partition, from the last metadata read. */
  private leaders = new Map<number, number>();
  /** Newest consumed offset per partition not yet committed. */
  private readonly toCommit = new Map<number, string>();

  /**
   * `kafka` sends (its requests time out with --probe.timeout); `consumerKafka` consumes, with short request
   * timeouts, so a request to a stuck broker gives up in seconds (with one stuck, the others' records were
   * seen consumed late on the lab: README, End-to-end probe).
   */
  constructor(
    private readonly kafka: Kafka,
    private readonly config: ProbeConfig,
    registry: Registry,
    private readonly logger: ProbeLogger,
    private readonly now: () => number = Date.now,
    private readonly consumerKafka: Kafka = kafka,
  ) {
    this.metrics = createProbeMetrics(registry, () => this.tracker);
    this.metrics.up.set(0);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), Math.round(this.config.intervalSeconds * 1000));
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.teardown();
  }

  private metadataBusy = false;
  private committing = false;

  /**
   * One interval's work. Nothing here waits on the cluster: the round of sends goes to the leaders last read,
   * and the metadata read and the commit each run in the background, skipped while the previous one is still
   * out (a stuck broker must not stop the sends to the others).
   */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.ticks++;
    if (!this.ready) {
      if (!this.settingUp && this.now() >= this.nextSetupAt) await this.setup();
      return;
    }
    this.produceRound();
    this.metrics.apply(this.tracker.expire(this.now(), this.config.timeoutSeconds * 1000));
    if (!this.metadataBusy) {
      this.metadataBusy = true;
      this.readLeaders(this.ticks % SHAPE_EVERY === 0)
        .catch((err: unknown) => this.logger.debug({ err: errorMessage(err) }, 'kafka probe: metadata read failed'))
        .finally(() => (this.metadataBusy = false));
    }
    if (!this.committing) {
      this.committing = true;
      void this.commit().finally(() => (this.committing = false));
    }
  }

  /** One record per partition, unless that partition already has a full interval's worth of sends in flight. */
  private produceRound(): void {
    const producer = this.producer;
    if (!producer) return;
    const maxInFlight = Math.max(1, Math.min(MAX_IN_FLIGHT, Math.ceil(this.config.timeoutSeconds / this.config.intervalSeconds)));
    for (const [partition, broker] of this.leaders) {
      if (this.tracker.inFlight(partition) >= maxInFlight) continue;
      const record = this.tracker.send(partition, broker, this.now());
      this.metrics.sent(partition, broker);
      producer
        .send({ topic: this.config.topic, acks: -1, timeout: this.config.timeoutSeconds * 1000, messages: [{ partition, value: JSON.stringify(record) }] })
        .then(
          (meta) => {
            const offset = Number(meta[0]?.baseOffset ?? meta[0]?.offset);
            this.metrics.apply(this.tracker.acknowledged(record, this.now(), Number.isFinite(offset) ? offset : undefined));
          },
          (err: unknown) => {
            this.logger.debug({ partition, broker, err: errorMessage(err) }, 'kafka probe: send failed');
            this.metrics.apply(this.tracker.failed(record));
          },
        );
    }
  }

  private onRecord(partition: number, offset: string, value: Buffer | null): void {
    this.toCommit.set(partition, offset);
    const record: ProbeRecord | undefined = parseProbeRecord(value);
    if (record) this.metrics.apply(this.tracker.received(record, this.now(), Number(offset)));
    this.tracker.consumedOffset(partition, Number(offset));
  }

  private async commit(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.toCommit.size === 0) return;
    const offsets = [...this.toCommit].map(([partition, offset]) => ({ topic: this.config.topic, partition, offset: (BigInt(offset) + 1n).toString() }));
    this.toCommit.clear();
    const started = performance.now();
    try {
      await consumer.commitOffsets(offsets);
      this.metrics.commit((performance.now() - started) / 1000);
    } catch (err) {
      this.logger.debug({ err: errorMessage(err) }, 'kafka probe: commit failed');
    }
  }

  private async readLeaders(reshape: boolean): Promise<void> {
    const admin = this.admin;
    if (!admin) return;
    const { topics } = await admin.fetchTopicMetadata({ topics: [this.config.topic] });
    const partitions = topics[0]?.partitions ?? [];
    this.leaders = new Map(partitions.filter((p) => p.leader >= 0).map((p) => [p.partitionId, p.leader]));
    if (reshape) await this.ensureShape(partitions.map((p) => ({ partition: p.partitionId, replicas: p.replicas })));
  }

  /** Creates the topic or adds a partition for each broker that leads none. */
  private async ensureShape(existing?: PartitionLayout[]): Promise<void> {
    const admin = this.admin;
    if (!admin) return;
    const { brokers } = await admin.describeCluster();
    const ids = brokers.map((b) => b.nodeId);
    const rf = Math.min(3, ids.length);
    if (existing === undefined) {
      const topics = await admin.listTopics();
      if (!topics.includes(this.config.topic)) {
        const plan = planProbePartitions(ids, [], rf);
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [
              {
                topic: this.config.topic,
                replicaAssignment: plan.map((replicas, partition) => ({ partition, replicas })),
                // an hour of probe records is all a restarted probe might read back
                configEntries: [{ name: 'retention.ms', value: '3600000' }],
              },
            ],
          });
          this.logger.info({ topic: this.config.topic, partitions: plan.length, replicationFactor: rf }, 'kafka probe: created its topic, one partition led by each broker');
        } catch (err) {
          if ((err as { type?: string } | undefined)?.type !== 'TOPIC_ALREADY_EXISTS') throw err;
        }
        return;
      }
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [this.config.topic] });
      existing = (meta[0]?.partitions ?? []).map((p) => ({ partition: p.partitionId, replicas: p.replicas }));
    }
    const add = planProbePartitions(ids, existing, rf);
    if (add.length === 0) return;
    await admin.createPartitions({ topicPartitions: [{ topic: this.config.topic, count: existing.length + add.length, assignments: add }] });
    this.logger.info({ topic: this.config.topic, added: add.length }, 'kafka probe: added a partition for each broker that led none');
  }

  private async setup(): Promise<void> {
    this.settingUp = true;
    try {
      const admin = this.kafka.admin();
      this.admin = admin;
      await admin.connect();
      await this.ensureShape();
      const producer = this.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      this.producer = producer;
      await producer.connect();
      const consumer = this.consumerKafka.consumer({
        groupId: this.config.groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: Math.max(50, Math.min(500, Math.round(this.config.intervalSeconds * 250))),
        // a member lost with its broker is replaced in seconds, not kafkajs' default 30 s
        sessionTimeout: 10_000,
        rebalanceTimeout: 10_000,
        heartbeatInterval: 1000,
        retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 },
      });
      this.consumer = consumer;
      consumer.on(consumer.events.CRASH, (e) => {
        this.logger.warn({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'kafka probe: consumer crashed');
        // kafkajs restarts after a retriable crash; after any other the probe sets itself up again
        if (!e.payload.restart && this.consumer === consumer) void this.teardown().then(() => this.retryLater());
      });
      await consumer.connect();
      // Its own group reads from the start of the topic (an hour at most): records of earlier runs are ignored.
      await consumer.subscribe({ topics: [this.config.topic], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => this.onRecord(partition, message.offset, message.value) });
      await this.readLeaders(false);
      if (this.stopped) return;
      this.ready = true;
      this.setupBackoff.reset();
      this.metrics.up.set(1);
      this.logger.info({ topic: this.config.topic, group: this.config.groupId, partitions: this.leaders.size, interval: this.config.intervalSeconds }, 'kafka probe started');
    } catch (err) {
      this.logger.warn({ topic: this.config.topic, err: errorMessage(err) }, 'kafka probe: cannot set up (topic, producer or consumer); retrying');
      await this.teardown();
      this.retryLater();
    } finally {
      this.settingUp = false;
    }
  }

  private retryLater(): void {
    this.nextSetupAt = this.now() + this.setupBackoff.next();
  }

  private async teardown(): Promise<void> {
    this.ready = false;
    this.metrics.up.set(0);
    const { consumer, producer, admin } = this;
    this.consumer = undefined;
    this.producer = undefined;
    this.admin = undefined;
    await Promise.all([consumer?.disconnect(), producer?.disconnect(), admin?.disconnect()].map((p) => p?.catch(() => undefined)));
  }
}
