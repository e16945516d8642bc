/**
 * The real-Kafka lab: Apache Kafka from Maven Central, 3 combined KRaft nodes (broker + controller) on
 * 127.0.0.1 with free ports and temp dirs, per-node faults, and the admin chores kafkajs lacks. Used by the
 * Kafka scenario tests, the benchmarks and `npm run demo`.
 *
 *   const lab = await startKafkaLab();           // ~15 s: format 3 nodes, start, wait for 3 brokers listed
 *   await lab.createTopic('t', { assignment: [[1, 2, 3], [2, 3, 1]] });
 *   await lab.node(1).kill();                    // SIGKILL; pause()/resume() = SIGSTOP/SIGCONT; restart()
 *   await lab.electPreferredLeaders('t', [0]);
 *   await lab.stop();                            // every JVM killed by PID, temp dirs removed
 *
 * A node never outlives the process that started it: each JVM runs LabTools' `broker` entry, which halts
 * when its stdin (a pipe from this process) closes, so an interrupted or killed test run leaves no Java
 * process behind. The jars are resolved once per version into ~/.cache/pitower-lab (PITOWER_LAB_CACHE).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer, type ITopicConfig } from 'kafkajs';
import { makeCertificates, toPkcs12 } from '../support/certificates';
import { freePort } from '../support/server-process';
import { execFileP, LabError, type LabJars, lastLines, makeLabDir, resolveJars, trackChild, waitUntil } from './jvm';

/** The Kafka line tested by default, and the other supported one (PITOWER_KAFKA_VERSION selects). */
export const DEFAULT_KAFKA_VERSION = '4.1.0';
export const SUPPORTED_KAFKA_LINES = ['4.1', '3.9'];

/** One line that names the lab step that failed, for a user who lacks Java or Maven or a network. */
export class KafkaLabError extends LabError {
  override name = 'KafkaLabError';
  constructor(step: string, detail: string) {
    super('kafka', step, detail);
  }
}

export interface KafkaLabOptions {
  /** Apache Kafka version; default $PITOWER_KAFKA_VERSION or 4.1.0. */
  version?: string;
  /** Number of combined nodes, ids 1..n (default 3). */
  nodes?: number;
  /** JVM heap per node in MB (default 384). */
  heapMb?: number;
  /** Extra or overriding server.properties entries for every node. */
  properties?: Record<string, string | number | boolean>;
  /** How long to wait for all brokers to be listed (default 90 s). */
  startTimeoutMs?: number;
  /**
   * Secured listeners beside PLAINTEXT on every node (the brokers still talk PLAINTEXT among themselves):
   * a SASL_PLAINTEXT one taking PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for `saslUsers`, and an SSL one
   * with a certificate for 127.0.0.1 made by the lab (mutual TLS: the client's certificate is required).
   */
  secure?: boolean;
}

/** What a client needs to reach the lab's secured listeners (KafkaLabOptions.secure). */
export interface KafkaLabSecurity {
  /** SASL_PLAINTEXT listener of every node. */
  saslBootstrap: string[];
  /** SSL listener of every node. */
  tlsBootstrap: string[];
  /** user -> password, known to PLAIN and to both SCRAM mechanisms. */
  saslUsers: Record<string, string>;
  /** PEM files: the CA that signed the brokers' certificate, and a client certificate it signed. */
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

export interface KafkaNode {
  readonly id: number;
  readonly port: number;
  readonly controllerPort: number;
  /** "127.0.0.1:port" of the PLAINTEXT listener. */
  readonly address: string;
  /** PID of the running JVM, undefined while it is down. */
  pid(): number | undefined;
  /** SIGKILL: a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: a stuck node (its followers stop fetching, the ISR shrinks). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Starts the node again with the same properties (kills it first if running) and waits until it is listed. */
  restart(): Promise<void>;
  /** The node's own log (stdout and stderr of its JVM). */
  log(): string;
}

export interface KafkaLab {
  readonly version: string;
  readonly clusterId: string;
  /** The lab's temp dir: node-N/server.properties, node-N/node.log, node-N/data. */
  readonly dir: string;
  readonly nodes: KafkaNode[];
  /** Every node's PLAINTEXT address. */
  readonly bootstrap: string[];
  /** With `secure`: the SASL and TLS listeners and their credentials. */
  readonly security?: KafkaLabSecurity;
  node(id: number): KafkaNode;
  /** A kafkajs client on the lab (for producers, consumers, admin). */
  kafka(clientId?: string): Kafka;
  /** Creates a topic with an explicit replica assignment (partition i -> assignment[i], first = preferred leader). */
  createTopic(name: string, options: { assignment: number[][]; configs?: Record<string, string> }): Promise<void>;
  /** Preferred-leader election through the Java admin API (kafkajs has no ElectLeaders). */
  electPreferredLeaders(topic: string, partitions: number[]): Promise<void>;
  /** Current metadata of a topic as the cluster reports it (leader -1 when offline). */
  describeTopic(topic: string): Promise<Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }>>;
  /** Polls `describeTopic` until `done` holds (throws with the last state after timeoutMs). */
  waitForTopic(
    topic: string,
    what: string,
    done: (partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }>) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /** A real consumer group member that consumes `topics` and commits what it read; counts what arrived. */
  startConsumer(groupId: string, topics: string[]): Promise<LabConsumer>;
  /** Resumes paused nodes and restarts dead ones, then waits until every broker is listed (after a fault). */
  heal(): Promise<void>;
  /** Kills every node by PID and removes the temp dirs. Safe to call twice. */
  stop(): Promise<void>;
}

export interface LabConsumer {
  /** Records received so far. */
  received(): number;
  /** Resolves once `count` records were received and their offsets committed. */
  waitForCommitted(count: number, timeoutMs?: number): Promise<void>;
  /** Stops fetching but stays a member of the group (so lag builds up while the member is counted). */
  pause(): void;
  stop(): Promise<void>;
}

const LAB_DIR = __dirname;
const POM = join(LAB_DIR, 'kafka', 'pom.xml');
const TOOLS_SOURCE = join(LAB_DIR, 'kafka', 'LabTools.java');

/**
 * Resolves Apache Kafka `version`'s jars (and compiles LabTools against them) once; later calls return the
 * cached directory at once (test/lab/jvm.ts).
 */
export async function resolveKafkaJars(version = kafkaVersion()): Promise<LabJars> {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new KafkaLabError('resolve jars', `PITOWER_KAFKA_VERSION "${version}" is not x.y.z`);
  return resolveJars({
    lab: 'kafka',
    what: `Apache Kafka ${version}`,
    version,
    pom: POM,
    mavenArgs: [`-Dkafka.version=${version}`, ...(version.startsWith('3.') ? ['-P', 'kafka-3'] : [])],
    source: TOOLS_SOURCE,
    fail: (step, detail) => new KafkaLabError(step, detail),
  });
}

export function kafkaVersion(): string {
  return process.env.PITOWER_KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}

/** A KRaft cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid prints). */
function newClusterId(): string {
  // Like Kafka's Uuid.randomUuid, never one starting with "-": StorageTool would read `-t -xyz` as a flag.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Settings that make failures show in seconds on a lab cluster (../shared/real-servers.md). */
const LAB_PROPERTIES: Record<string, string | number | boolean> = {
  'process.roles': 'broker,controller',
  'controller.listener.names': 'CONTROLLER',
  'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
  'inter.broker.listener.name': 'PLAINTEXT',
  'num.partitions': 1,
  'replica.lag.time.max.ms': 2000,
  'replica.fetch.wait.max.ms': 200,
  'broker.session.timeout.ms': 4000,
  'broker.heartbeat.interval.ms': 1000,
  'auto.leader.rebalance.enable': false,
  'offsets.topic.replication.factor': 3,
  'offsets.topic.num.partitions': 3,
  'transaction.state.log.replication.factor': 3,
  'transaction.state.log.min.isr': 2,
  'min.insync.replicas': 2,
  'group.initial.rebalance.delay.ms': 0,
  'log.cleaner.dedupe.buffer.size': 2097152,
  'log.segment.bytes': 16 << 20,
  'num.network.threads': 2,
  'num.io.threads': 2,
  'num.recovery.threads.per.data.dir': 1,
  'unclean.leader.election.enable': false,
};

const LOG4J2 = `status = error
appender.console.type = Console
appender.console.name = out
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = info
logger.coord.name = org.apache.kafka
logger.coord.level = warn
`;
const LOG4J1 = `log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka=WARN
`;

const ROOT_PREFIX = 'pitower-kafka-lab-';

const LAB_SASL_USERS: Record<string, string> = { lab: 'lab-secret', reader: 'reader-secret' };
const KEYSTORE_PASSWORD = 'lab-keystore';

/**
 * The secured listeners' broker settings (KafkaLabOptions.secure), the StorageTool arguments that create
 * the SCRAM credentials (KRaft keeps them in the metadata log, so they are made at format time), and what
 * a client needs. Certificates by openssl (test/support/certificates.ts), the keystore as PKCS#12.
 */
function secureListeners(root: string, ports: Array<{ saslPort?: number; tlsPort?: number }>) {
  const certDir = join(root, 'tls');
  mkdirSync(certDir, { recursive: true });
  const certs = makeCertificates(certDir);
  const keystore = toPkcs12(certDir, certs, KEYSTORE_PASSWORD);
  const plainUsers = Object.entries(LAB_SASL_USERS).map(([u, p]) => `user_${u}="${p}"`).join(' ');
  const properties: Record<string, string> = {
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.ssl.ssl.keystore.type': 'PKCS12',
    'listener.name.ssl.ssl.keystore.location': keystore,
    'listener.name.ssl.ssl.keystore.password': KEYSTORE_PASSWORD,
    'listener.name.ssl.ssl.key.password': KEYSTORE_PASSWORD,
    'listener.name.ssl.ssl.truststore.type': 'PEM',
    'listener.name.ssl.ssl.truststore.location': certs.ca,
    'listener.name.ssl.ssl.client.auth': 'required',
  };
  const formatArgs = Object.entries(LAB_SASL_USERS).flatMap(([u, p]) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u},password=${p}]`]),
  );
  const client: KafkaLabSecurity = {
    saslBootstrap: ports.map((p) => `127.0.0.1:${p.saslPort}`),
    tlsBootstrap: ports.map((p) => `127.0.0.1:${p.tlsPort}`),
    saslUsers: { ...LAB_SASL_USERS },
    caFile: certs.ca,
    clientCertFile: certs.clientCert,
    clientKeyFile: certs.clientKey,
  };
  return { properties, formatArgs, client };
}

function secureListenerAddresses(port: number, controllerPort: number, saslPort?: number, tlsPort?: number): Record<string, string> {
  const secured = `SASL_PLAINTEXT://127.0.0.1:${saslPort},SSL://127.0.0.1:${tlsPort}`;
  return {
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},${secured}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},${secured}`,
  };
}

export async function startKafkaLab(options: KafkaLabOptions = {}): Promise<KafkaLab> {
  const version = options.version ?? kafkaVersion();
  const count = options.nodes ?? 3;
  const jars = await resolveKafkaJars(version);
  const root = makeLabDir(ROOT_PREFIX);
  const clusterId = newClusterId();
  const ports: Array<{ port: number; controllerPort: number; saslPort?: number; tlsPort?: number }> = [];
  const taken = new Set<number>();
  for (let i = 0; i < count; i++) {
    const pick = async (): Promise<number> => {
      for (;;) {
        const p = await freePort();
        if (!taken.has(p)) {
          taken.add(p);
          return p;
        }
      }
    };
    ports.push({ port: await pick(), controllerPort: await pick(), ...(options.secure ? { saslPort: await pick(), tlsPort: await pick() } : {}) });
  }
  const voters = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.controllerPort}`).join(',');
  writeFileSync(join(root, 'log4j2.properties'), LOG4J2);
  writeFileSync(join(root, 'log4j.properties'), LOG4J1);
  const jvm = (heapMb: number): string[] => [
    `-Xmx${heapMb}m`,
    `-Xms${Math.min(heapMb, 128)}m`,
    '-XX:+UseSerialGC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(root, 'log4j2.properties')}`,
    `-Dlog4j.configuration=file:${join(root, 'log4j.properties')}`,
    '-cp',
    jars.classpath,
  ];

  const security = options.secure ? secureListeners(root, ports) : undefined;
  const propsFile = (id: number): string => join(root, `node-${id}`, 'server.properties');
  for (let id = 1; id <= count; id++) {
    const { port, controllerPort, saslPort, tlsPort } = ports[id - 1];
    mkdirSync(join(root, `node-${id}`, 'data'), { recursive: true });
    const props: Record<string, string | number | boolean> = {
      ...LAB_PROPERTIES,
      'offsets.topic.replication.factor': Math.min(3, count),
      'transaction.state.log.replication.factor': Math.min(3, count),
      'transaction.state.log.min.isr': Math.min(2, count),
      'min.insync.replicas': Math.min(2, count),
      ...options.properties,
      'node.id': id,
      'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
      'log.dirs': join(root, `node-${id}`, 'data'),
      ...(security ? { ...security.properties, ...secureListenerAddresses(port, controllerPort, saslPort, tlsPort) } : {}),
    };
    writeFileSync(propsFile(id), Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  }
  const heap = options.heapMb ?? 384;
  // Formatting is a JVM start each; two at a time on 2 cores.
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      execFileP('java', ['-Xmx128m', '-XX:TieredStopAtLevel=1', ...jvm(128).slice(2), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile(i + 1), ...(security?.formatArgs ?? [])], {
        maxBuffer: 16 << 20,
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new KafkaLabError(`format node ${i + 1} (StorageTool)`, lastLines(`${err.stdout ?? ''}\n${err.stderr ?? ''}`) || err.message);
      }),
    ),
  );

  const bootstrap = ports.map((p) => `127.0.0.1:${p.port}`);
  const kafka = (clientId = 'pitower-lab'): Kafka =>
    new Kafka({
      clientId,
      brokers: bootstrap,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  let adminClient: Admin | undefined;
  const admin = async (): Promise<Admin> => {
    if (!adminClient) {
      const a = kafka('pitower-lab-admin').admin();
      await a.connect();
      adminClient = a;
    }
    return adminClient;
  };
  const resetAdmin = async (): Promise<void> => {
    const a = adminClient;
    adminClient = undefined;
    await a?.disconnect().catch(() => undefined);
  };

  const listedBrokers = async (): Promise<number[]> => {
    // A fresh client each time: kafkajs caches the broker list, and a node that came back must be seen.
    const a = kafka('pitower-lab-ready').admin();
    try {
      await a.connect();
      const cluster = await a.describeCluster();
      return cluster.brokers.map((b) => b.nodeId).sort((x, y) => x - y);
    } finally {
      await a.disconnect().catch(() => undefined);
    }
  };

  const nodes: KafkaNode[] = [];
  const paused = new Set<number>();
  let stopping = false;
  for (let id = 1; id <= count; id++) {
    const { port, controllerPort } = ports[id - 1];
    const logPath = join(root, `node-${id}`, 'node.log');
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    const launch = (): void => {
      const fd = openSync(logPath, 'a');
      const c = spawn('java', [...jvm(heap), 'LabTools', 'broker', propsFile(id)], { stdio: ['pipe', fd, fd] });
      closeSync(fd);
      child = c;
      trackChild(c);
      exited = new Promise((resolve) => {
        c.once('exit', () => {
          if (child === c) child = undefined;
          resolve();
        });
        c.once('error', () => resolve());
      });
    };
    const kill = async (): Promise<void> => {
      const c = child;
      if (!c) return;
      c.kill('SIGKILL');
      c.kill('SIGCONT');
      await exited;
    };
    const readLog = (): string => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    };
    const node: KafkaNode = {
      id,
      port,
      controllerPort,
      address: `127.0.0.1:${port}`,
      pid: () => child?.pid,
      kill,
      pause: () => {
        if (child?.kill('SIGSTOP')) paused.add(id);
      },
      resume: () => {
        child?.kill('SIGCONT');
        paused.delete(id);
      },
      restart: async () => {
        await kill();
        launch();
        await waitUntil(`node ${id} listed again`, options.startTimeoutMs ?? 90_000, async () => {
          if (!child) throw new KafkaLabError(`restart node ${id}`, `JVM exited: ${lastLines(readLog())}`);
          return (await listedBrokers()).includes(id);
        });
        await resetAdmin();
      },
      log: readLog,
    };
    nodes.push(node);
    launch();
  }

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Nodes first: an admin client disconnecting from brokers that are shutting down can hang.
    await Promise.all(nodes.map((n) => n.kill()));
    void resetAdmin();
    rmSync(root, { recursive: true, force: true });
  };

  try {
    await waitUntil(
      `${count} brokers listed in metadata`,
      options.startTimeoutMs ?? 90_000,
      async () => {
        const dead = nodes.find((n) => n.pid() === undefined);
        if (dead) throw new KafkaLabError(`start node ${dead.id}`, `JVM exited: ${lastLines(dead.log(), 5)}`);
        return (await listedBrokers()).length === count;
      },
    );
  } catch (err) {
    const logs = nodes.map((n) => `--- node ${n.id}\n${n.log().slice(-3000)}`).join('\n');
    await stop();
    if (err instanceof KafkaLabError) throw err;
    throw new KafkaLabError('wait for brokers', `${(err as Error).message}\n${logs}`);
  }

  const describeTopic: KafkaLab['describeTopic'] = async (topic) => {
    // Fresh metadata: kafkajs' admin would answer from a cached copy.
    const a = kafka('pitower-lab-describe').admin();
    try {
      await a.connect();
      const { topics } = await a.fetchTopicMetadata({ topics: [topic] });
      return topics[0].partitions
        .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
        .sort((x, y) => x.partition - y.partition);
    } finally {
      await a.disconnect().catch(() => undefined);
    }
  };

  const waitForTopic: KafkaLab['waitForTopic'] = async (topic, what, done, timeoutMs = 30_000) => {
    let last: unknown = 'no metadata yet';
    await waitUntil(
      `${topic}: ${what}`,
      timeoutMs,
      async () => {
        const state = await describeTopic(topic).catch((err: Error) => {
          last = `metadata request failed: ${err.message}`;
          throw err;
        });
        last = state;
        return done(state);
      },
      () => JSON.stringify(last),
    );
  };

  const lab: KafkaLab = {
    version,
    clusterId,
    dir: root,
    nodes,
    ...(security ? { security: security.client } : {}),
    bootstrap,
    node: (id) => {
      const n = nodes[id - 1];
      if (!n) throw new Error(`kafka lab: no node ${id}`);
      return n;
    },
    kafka,
    createTopic: async (name, { assignment, configs = {} }) => {
      const a = await admin();
      const topic: ITopicConfig = {
        topic: name,
        replicaAssignment: assignment.map((replicas, partition) => ({ partition, replicas })),
        configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
      };
      await a.createTopics({ topics: [topic], waitForLeaders: false, timeout: 15_000 }).catch((err: { errors?: Array<{ type?: string; message?: string }>; message: string }) => {
        const why = err.errors?.map((e) => `${e.type ?? ''} ${e.message ?? ''}`.trim()).join('; ');
        throw new KafkaLabError(`create topic ${name}`, why || err.message);
      });
      await waitForTopic(name, 'every partition has its preferred leader and a full ISR', (ps) =>
        ps.length === assignment.length && ps.every((p) => p.leader === assignment[p.partition][0] && p.isr.length === assignment[p.partition].length),
      );
    },
    electPreferredLeaders: async (topic, partitions) => {
      try {
        await execFileP('java', [...jvm(128), 'LabTools', 'elect', bootstrap.join(','), ...partitions.map((p) => `${topic}:${p}`)], {
          maxBuffer: 16 << 20,
          timeout: 60_000,
        });
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new KafkaLabError(`preferred-leader election on ${topic} ${partitions.join(',')}`, lastLines(`${e.stdout ?? ''}\n${e.stderr ?? ''}`) || e.message);
      }
    },
    describeTopic,
    waitForTopic,
    startConsumer: async (groupId, topics) => startLabConsumer(kafka(`pitower-lab-${groupId}`), groupId, topics),
    heal: async () => {
      for (const n of nodes) if (paused.has(n.id)) n.resume();
      await Promise.all(nodes.filter((n) => n.pid() === undefined).map((n) => n.restart()));
      await waitUntil(`${count} brokers listed`, options.startTimeoutMs ?? 90_000, async () => (await listedBrokers()).length === count);
    },
    stop,
  };
  return lab;
}

async function startLabConsumer(kafka: Kafka, groupId: string, topics: string[]): Promise<LabConsumer> {
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, rebalanceTimeout: 10_000 });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  let committed = 0;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const message of batch.messages) {
        resolveOffset(message.offset);
        received++;
      }
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
      committed = received;
      await heartbeat();
    },
  });
  return {
    received: () => received,
    waitForCommitted: (count, timeoutMs = 30_000) =>
      waitUntil(`${groupId} to receive and commit ${count} records`, timeoutMs, async () => committed >= count, () => `${committed} committed`),
    pause: () => consumer.pause(topics.map((topic) => ({ topic }))),
    stop: () => consumer.disconnect(),
  };
}
