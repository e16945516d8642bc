import { AssignerProtocol, type Admin, type Consumer, type Kafka, type PartitionAssigner } from 'kafkajs';
import { errorMessage } from '../errors';
import { backoffSeconds } from './backoff';

/**
 * One reporter per cluster. Every exporter pointed at a cluster joins one consumer group on a one-partition
 * topic; the member Kafka's group coordinator gets partition 0 assigned is the reporter of the cluster-wide
 * families. The coordinator is the election engine: a member that stops heartbeating (its Pi died, its
 * network went) is expelled after the session timeout and the partition goes to another member in the
 * rebalance that follows; a member that stops cleanly leaves the group and hands over at once.
 *
 * Two rules keep it to one reporter at a time:
 * - the assignment is sticky (REPORTER_ASSIGNER): the holder says so in its member metadata and keeps
 *   partition 0 through every rebalance it is part of, so an exporter joining does not move the lease;
 * - a holder that has not heard from the coordinator (heartbeat or join) for 2/3 of the session timeout
 *   stops reporting on its own, before the coordinator can give the partition to someone else.
 */

/** What a member knows of its lease: assigned partition 0 in the last join, and when it last heard from the coordinator. */
export interface LeaseState {
  assigned: boolean;
  /** Epoch ms of the last successful heartbeat or join; 0 = never. */
  lastContactAt: number;
}

/** Whether this member may report now: it holds the partition and its session is certainly still alive. */
export function holdsLease(state: LeaseState, now: number, sessionTimeoutMs: number): boolean {
  return state.assigned && state.lastContactAt > 0 && now - state.lastContactAt < (sessionTimeoutMs * 2) / 3;
}

export interface LeaseCandidate {
  memberId: string;
  /** The member said it held the lease when it joined. */
  holding: boolean;
}

/** The member partition 0 goes to: a member that holds it keeps it (the first by id if, oddly, several say so), else the first by id. */
export function chooseHolder(members: readonly LeaseCandidate[]): string | undefined {
  const byId = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  return (byId.find((m) => m.holding) ?? byId[0])?.memberId;
}

const HOLDING = Buffer.from('holding');

/** The sticky assigner: partition 0 of each subscribed topic to chooseHolder's member, nothing to the others. */
export function reporterAssigner(isHolding: () => boolean): PartitionAssigner {
  return () => ({
    name: 'PitowerReporterLease',
    version: 1,
    async assign({ members, topics }) {
      const candidates = members.map((m) => {
        let holding = false;
        try {
          const userData = AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData;
          holding = userData !== undefined && HOLDING.equals(userData);
        } catch {
          // a member whose metadata cannot be read is a candidate like any other
        }
        return { memberId: m.memberId, holding };
      });
      const holder = chooseHolder(candidates);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: m.memberId === holder ? Object.fromEntries(topics.map((t) => [t, [0]])) : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: 'PitowerReporterLease',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: isHolding() ? HOLDING : Buffer.alloc(0) }),
      };
    },
  });
}

export interface LeaseLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ReporterLeaseOptions {
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
}

/**
 * The lease of one exporter: creates the topic when missing (1 partition, replication factor
 * min(3, brokers)), joins the group and calls `onChange` whenever this exporter starts or stops being the
 * reporter. Never throws; a failure is logged, counted in `failures` and retried with backoff.
 */
export class ReporterLease {
  private state: LeaseState = { assigned: false, lastContactAt: 0 };
  private consumer: Consumer | undefined;
  private holding = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private starting: Promise<void> | undefined;
  private readonly failures = new Map<string, number>();
  private readonly disconnecting = new Set<Promise<void>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ReporterLeaseOptions,
    private readonly logger: LeaseLogger,
    private readonly hooks: {
      /** This exporter started (true) or stopped (false) being the reporter. */
      onChange(holding: boolean): void;
      /** A step failed: topic (cannot read or create it), join, crash. */
      onFailure(step: string): void;
    },
    /** Whether this exporter may hold the lease now (its own metadata polls succeed). */
    private readonly eligible: () => boolean = () => true,
    private readonly now: () => number = Date.now,
  ) {}

  holds(): boolean {
    return this.holding;
  }

  start(): void {
    this.timer = setInterval(() => this.evaluate(), Math.max(100, Math.round(this.options.sessionTimeoutMs / 12)));
    this.timer.unref();
    this.evaluate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await this.starting?.catch(() => undefined);
    this.state = { assigned: false, lastContactAt: 0 };
    this.evaluate();
    // Leaving the group hands over at once; a cluster that is gone must not hold up shutdown past 3 s.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.dropConsumer().then(() => Promise.all([...this.disconnecting])),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000))),
    ]);
    clearTimeout(timer);
  }

  /** Joins the group when this exporter is eligible and not in it (nor joining, nor waiting to retry). */
  private connect(): void {
    if (this.stopped || this.consumer || this.starting || this.retryTimer || !this.eligible()) return;
    this.starting = this.join()
      .then(
        () => {
          this.attempts = 0;
        },
        async (err: unknown) => {
          this.fail('join', err);
          await this.dropConsumer();
          this.retry();
        },
      )
      .finally(() => {
        this.starting = undefined;
      });
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = backoffSeconds(this.attempts++, { initial: 1, max: 30, jitter: 0.2 });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay * 1000);
  }

  /** An exporter that cannot see the cluster (its metadata polls fail) leaves the group, so that one that can reports. */
  private stepDown(): void {
    if (!this.consumer || this.starting) return;
    this.logger.warn({ group: this.options.groupId }, 'kafka reporter lease: metadata polls fail here; leaving the group until they succeed again');
    this.state = { assigned: false, lastContactAt: 0 };
    void this.dropConsumer();
  }

  private async join(): Promise<void> {
    await this.ensureTopic();
    if (this.stopped) return;
    const { topic, groupId, sessionTimeoutMs } = this.options;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      rebalanceTimeout: Math.max(sessionTimeoutMs, 10_000),
      heartbeatInterval: Math.max(100, Math.round(sessionTimeoutMs / 6)),
      maxWaitTimeInMs: Math.max(100, Math.round(sessionTimeoutMs / 12)),
      allowAutoTopicCreation: false,
      partitionAssigners: [reporterAssigner(() => this.holding)],
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.consumer = consumer;
    const { GROUP_JOIN, HEARTBEAT, CRASH, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, (e) => {
      this.state = { assigned: (e.payload.memberAssignment[topic] ?? []).includes(0), lastContactAt: this.now() };
      this.evaluate();
    });
    consumer.on(HEARTBEAT, () => {
      this.state = { ...this.state, lastContactAt: this.now() };
    });
    consumer.on(CRASH, (e) => {
      this.state = { assigned: false, lastContactAt: 0 };
      this.evaluate();
      this.fail('crash', e.payload.error);
      // kafkajs restarts the consumer itself after a retriable crash; after any other, we start again.
      if (!e.payload.restart && this.consumer === consumer) {
        void this.dropConsumer().then(() => {
          if (!this.retryTimer) this.retry();
        });
      }
    });
    consumer.on(STOP, () => {
      this.state = { assigned: false, lastContactAt: 0 };
      this.evaluate();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    // Nothing is ever written to the topic: the fetch loop only carries the heartbeats.
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
  }

  private async ensureTopic(): Promise<void> {
    const admin: Admin = this.kafka.admin();
    try {
      await admin.connect();
      const topics = await admin.listTopics();
      if (topics.includes(this.options.topic)) return;
      const { brokers } = await admin.describeCluster();
      const replicationFactor = Math.min(3, Math.max(1, brokers.length));
      const created = await admin.createTopics({ topics: [{ topic: this.options.topic, numPartitions: 1, replicationFactor }], waitForLeaders: true });
      if (created) this.logger.info({ topic: this.options.topic, replicationFactor }, 'kafka reporter lease: created its topic');
    } catch (err) {
      // Another exporter created it first: that is fine.
      if ((err as { type?: string } | undefined)?.type === 'TOPIC_ALREADY_EXISTS') return;
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { leaseStep: 'topic' });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private fail(step: string, err: unknown): void {
    const reason = (err as { leaseStep?: string } | undefined)?.leaseStep ?? step;
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
    this.hooks.onFailure(reason);
    const first = (this.failures.get(reason) ?? 0) === 1;
    const log = first ? this.logger.warn.bind(this.logger) : this.logger.debug.bind(this.logger);
    log(
      { step: reason, topic: this.options.topic, group: this.options.groupId, err: errorMessage(err) },
      reason === 'topic'
        ? 'kafka reporter lease: cannot read or create its topic; this exporter reports no cluster-wide families until it can (or run it with --kafka.reporter=always)'
        : 'kafka reporter lease: lost the group; retrying',
    );
  }

  private evaluate(): void {
    if (!this.stopped) {
      if (this.eligible()) this.connect();
      else this.stepDown();
    }
    const next = !this.stopped && this.eligible() && holdsLease(this.state, this.now(), this.options.sessionTimeoutMs);
    if (next === this.holding) return;
    this.holding = next;
    this.logger.info({ group: this.options.groupId }, next ? 'kafka reporter lease: this exporter reports the cluster' : 'kafka reporter lease: this exporter no longer reports the cluster');
    this.hooks.onChange(next);
  }

  /** Disconnects the consumer; every disconnect still running is awaited by stop(), so none outlives the lease. */
  private async dropConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    const done = consumer.disconnect().catch(() => undefined);
    this.disconnecting.add(done);
    await done;
    this.disconnecting.delete(done);
  }
}
