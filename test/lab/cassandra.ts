/**
 * The real-Cassandra lab: Apache Cassandra 5.0 (cassandra-all from Maven Central) as 1 or 2 nodes on
 * 127.0.0.1 and 127.0.0.2 (all of 127/8 is loopback) with free ports and temp dirs, and per-node faults.
 *
 *   const lab = await startCassandraLab({ nodes: 2 });   // ~10 s a node: node 1, then node 2 joins
 *   lab.contactPoints                                    // ["127.0.0.1:9xxx", "127.0.0.2:9xxx"]
 *   await lab.node(2).stop();                            // SIGTERM: drains, node 1 marks it down at once
 *   await lab.node(2).kill();                            // SIGKILL: a crash; restart() brings it back
 *   await lab.stop();                                    // every JVM killed by PID, temp dirs removed
 *
 * Each JVM runs CassandraLauncher, which halts when its stdin (a pipe from this process) closes, so an
 * interrupted or killed test run leaves no Cassandra behind. Recipe: ../shared/real-servers.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type types } from 'cassandra-driver';
import { freePort } from '../support/server-process';
import { LabError, lastLines, makeLabDir, resolveJars, trackChild, waitUntil, type LabJars } from './jvm';

export const CASSANDRA_VERSION = '5.0.9';

export class CassandraLabError extends LabError {
  override name = 'CassandraLabError';
  constructor(step: string, detail: string) {
    super('cassandra', step, detail);
  }
}

export interface CassandraLabOptions {
  /** 1 or 2 nodes (default 1). */
  nodes?: number;
  /** JVM heap per node in MB (default 768). */
  heapMb?: number;
  /** commitlog_sync: 'periodic' (Cassandra's default, fsync every 10 s) or 'batch' (fsync before the ack). */
  commitlogSync?: 'periodic' | 'batch';
  /** How long to wait for a node's CQL port (default 120 s). */
  startTimeoutMs?: number;
  /**
   * 'PasswordAuthenticator' makes every CQL connection authenticate (the default AllowAllAuthenticator asks
   * nothing). The lab's own client has no credentials then: only what a client without them sees is testable.
   */
  authenticator?: 'AllowAllAuthenticator' | 'PasswordAuthenticator';
}

export interface CassandraNode {
  readonly id: number;
  /** 127.0.0.<id> */
  readonly host: string;
  /** "host:native_port": a contact point. */
  readonly address: string;
  pid(): number | undefined;
  /** SIGTERM: Cassandra drains and tells its peers it is going (they mark it down at once). */
  stop(): Promise<void>;
  /** SIGKILL: a crash (peers notice only after the failure detector's delay). */
  kill(): Promise<void>;
  /** Starts the node again with the same data and waits for CQL. */
  restart(): Promise<void>;
  log(): string;
}

export interface CassandraLab {
  readonly version: string;
  readonly dir: string;
  readonly nodes: CassandraNode[];
  readonly contactPoints: string[];
  readonly nativePort: number;
  node(id: number): CassandraNode;
  /** A connected driver client (closed by stop()). */
  client(): Promise<Client>;
  /** Runs one CQL statement on a fresh connection to node 1's view (schema changes wait for agreement). */
  execute(cql: string, params?: unknown[], consistency?: types.consistencies): Promise<types.ResultSet>;
  /** Waits until node 1's gossip shows node `id` in the ring (UP) or shut down (DOWN: after its stop()). */
  waitForPeerState(id: number, state: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const LAUNCHER_SOURCE = join(__dirname, 'cassandra', 'CassandraLauncher.java');
const POM = join(__dirname, 'cassandra', 'pom.xml');
const ROOT_PREFIX = 'pitower-cassandra-lab-';

export function resolveCassandraJars(): Promise<LabJars> {
  return resolveJars({
    lab: 'cassandra',
    what: `Apache Cassandra ${CASSANDRA_VERSION}`,
    version: CASSANDRA_VERSION,
    pom: POM,
    mavenArgs: [`-Dcassandra.version=${CASSANDRA_VERSION}`],
    source: LAUNCHER_SOURCE,
    fail: (step, detail) => new CassandraLabError(step, detail),
  });
}

/** The JPMS and Netty lines of Cassandra 5.0's conf/jvm17-server.options (without them it fails on JDK 17). */
const JVM17_FLAGS = [
  '-Djdk.attach.allowAttachSelf=true',
  '--add-exports', 'java.base/jdk.internal.misc=ALL-UNNAMED',
  '--add-exports', 'java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
  '--add-exports', 'java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports', 'java.rmi/sun.rmi.server=ALL-UNNAMED',
  '--add-exports', 'java.sql/java.sql=ALL-UNNAMED',
  '--add-exports', 'java.base/java.lang.ref=ALL-UNNAMED',
  '--add-exports', 'jdk.unsupported/sun.misc=ALL-UNNAMED',
  '--add-exports', 'jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports', 'jdk.attach/sun.tools.attach=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang.module=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.loader=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.reflect=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.math=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.module=ALL-UNNAMED',
  '--add-opens', 'java.base/jdk.internal.util.jar=ALL-UNNAMED',
  '--add-opens', 'jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-opens', 'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens', 'java.base/java.io=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens', 'jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
  '--add-opens', 'java.base/java.lang=ALL-UNNAMED',
  '--add-opens', 'java.base/java.util=ALL-UNNAMED',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
];

const LOGBACK = `<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="out"/></root>
</configuration>
`;

function yaml(o: {
  dir: string;
  host: string;
  storagePort: number;
  nativePort: number;
  commitlogSync: 'periodic' | 'batch';
  autoBootstrap: boolean;
  authenticator: 'AllowAllAuthenticator' | 'PasswordAuthenticator';
}): string {
  return [
    'cluster_name: pitower-lab',
    'num_tokens: 16',
    'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
    'endpoint_snitch: SimpleSnitch',
    `commitlog_sync: ${o.commitlogSync}`,
    ...(o.commitlogSync === 'periodic' ? ['commitlog_sync_period: 10000ms'] : []),
    'seed_provider:',
    '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
    '    parameters:',
    `      - seeds: "127.0.0.1:${o.storagePort}"`,
    `listen_address: ${o.host}`,
    `rpc_address: ${o.host}`,
    `storage_port: ${o.storagePort}`,
    `native_transport_port: ${o.nativePort}`,
    'start_native_transport: true',
    `auto_bootstrap: ${o.autoBootstrap}`,
    'data_file_directories:',
    `  - ${join(o.dir, 'data')}`,
    `commitlog_directory: ${join(o.dir, 'commitlog')}`,
    `saved_caches_directory: ${join(o.dir, 'saved_caches')}`,
    `hints_directory: ${join(o.dir, 'hints')}`,
    `cdc_raw_directory: ${join(o.dir, 'cdc_raw')}`,
    'concurrent_compactors: 1',
    `authenticator: ${o.authenticator}`,
    'write_request_timeout: 2000ms',
    'read_request_timeout: 5000ms',
    '',
  ].join('\n');
}

function driverClient(contactPoints: string[]): Client {
  return new Client({
    contactPoints,
    localDataCenter: 'datacenter1',
    socketOptions: { connectTimeout: 3000, readTimeout: 15000 },
  });
}

export async function startCassandraLab(options: CassandraLabOptions = {}): Promise<CassandraLab> {
  const count = options.nodes ?? 1;
  if (count < 1 || count > 2) throw new CassandraLabError('start', `nodes must be 1 or 2, not ${count}`);
  const jars = await resolveCassandraJars();
  const root = makeLabDir(ROOT_PREFIX);
  writeFileSync(join(root, 'logback.xml'), LOGBACK);
  // Every node uses the same two ports on its own address; a port free on 127.0.0.1 is free on 127.0.0.2.
  const storagePort = await freePort();
  let nativePort = await freePort();
  while (nativePort === storagePort) nativePort = await freePort();
  const heap = options.heapMb ?? 768;
  const timeout = options.startTimeoutMs ?? 120_000;

  const nodes: CassandraNode[] = [];
  const clients: Client[] = [];
  for (let id = 1; id <= count; id++) {
    const host = `127.0.0.${id}`;
    const dir = join(root, `node-${id}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'cassandra.yaml'),
      yaml({ dir, host, storagePort, nativePort, commitlogSync: options.commitlogSync ?? 'periodic', autoBootstrap: id === 1, authenticator: options.authenticator ?? 'AllowAllAuthenticator' }),
    );
    const logPath = join(dir, 'node.log');
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let logStart = 0; // where this launch's lines begin in the appended log
    const readLog = (): string => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    };
    const launch = (): void => {
      logStart = readLog().length;
      const fd = openSync(logPath, 'a');
      const c = spawn(
        'java',
        [
          `-Xmx${heap}m`,
          `-Xms${heap}m`,
          '-XX:+UseG1GC',
          '-XX:+UseStringDeduplication',
          '-Djava.awt.headless=true',
          ...JVM17_FLAGS,
          `-Dcassandra.config=file://${join(dir, 'cassandra.yaml')}`,
          `-Dcassandra.storagedir=${dir}`,
          `-Dcassandra.logdir=${dir}`,
          `-Dlogback.configurationFile=${join(root, 'logback.xml')}`,
          '-Dcassandra-foreground=yes',
          '-Dcassandra.skip_wait_for_gossip_to_settle=0',
          '-Dcassandra.ring_delay_ms=1000',
          '-cp',
          jars.classpath,
          'CassandraLauncher',
        ],
        { stdio: ['pipe', fd, fd] },
      );
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
    const waitForCql = async (): Promise<void> => {
      try {
        await waitUntil(`node ${id} (${host}) to accept CQL`, timeout, async () => {
          if (!child) throw new CassandraLabError(`start node ${id}`, `JVM exited: ${lastLines(readLog(), 5)}`);
          return readLog().slice(logStart).includes('Starting listening for CQL clients');
        });
      } catch (err) {
        if (err instanceof CassandraLabError) throw err;
        throw new CassandraLabError(`start node ${id}`, `${(err as Error).message}; last log lines: ${lastLines(readLog(), 5)}`);
      }
    };
    const signal = async (sig: NodeJS.Signals): Promise<void> => {
      const c = child;
      if (!c) return;
      c.kill(sig);
      await exited;
    };
    const node: CassandraNode = {
      id,
      host,
      address: `${host}:${nativePort}`,
      pid: () => child?.pid,
      stop: async () => {
        const c = child;
        if (!c) return;
        const hard = setTimeout(() => c.kill('SIGKILL'), 30_000);
        await signal('SIGTERM');
        clearTimeout(hard);
      },
      kill: () => signal('SIGKILL'),
      restart: async () => {
        await signal('SIGKILL');
        launch();
        await waitForCql();
      },
      log: readLog,
    };
    nodes.push(node);
    Object.assign(node, { launch, waitForCql });
  }

  const stop = async (): Promise<void> => {
    await Promise.all(clients.splice(0).map((c) => c.shutdown().catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(root, { recursive: true, force: true });
  };

  try {
    // One at a time: a node joins a ring whose seed is up.
    for (const n of nodes) {
      const internal = n as unknown as { launch: () => void; waitForCql: () => Promise<void> };
      internal.launch();
      await internal.waitForCql();
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const contactPoints = nodes.map((n) => n.address);
  const peerState = async (id: number): Promise<string> => {
    // Node 1's gossip view of node `id`, as Cassandra's own virtual table shows it.
    const c = driverClient([nodes[0].address]);
    try {
      await c.connect();
      const rs = await c.execute('SELECT address, status, status_with_port FROM system_views.gossip_info');
      const row = rs.rows.find((r) => String(r.address) === `127.0.0.${id}`);
      return row ? String(row.status_with_port ?? row.status) : `not in gossip_info (${rs.rows.map((r) => `${String(r.address)} ${String(r.status)}`).join(', ')})`;
    } finally {
      await c.shutdown().catch(() => undefined);
    }
  };
  if (count > 1) {
    let seen = '';
    await waitUntil(
      'node 1 to see node 2 NORMAL in its gossip',
      timeout,
      async () => {
        seen = await peerState(2).catch((err: Error) => `query failed: ${err.message}`);
        return seen.startsWith('NORMAL');
      },
      () => seen,
    ).catch(async (err: Error) => {
      await stop();
      throw new CassandraLabError('join node 2', err.message);
    });
  }

  const lab: CassandraLab = {
    version: CASSANDRA_VERSION,
    dir: root,
    nodes,
    contactPoints,
    nativePort,
    node: (id) => {
      const n = nodes[id - 1];
      if (!n) throw new Error(`cassandra lab: no node ${id}`);
      return n;
    },
    client: async () => {
      const c = driverClient(contactPoints);
      await c.connect();
      clients.push(c);
      return c;
    },
    execute: async (cql, params, consistency) => {
      const c = driverClient([nodes[0].address]);
      try {
        await c.connect();
        return await c.execute(cql, params ?? [], { prepare: params !== undefined && params.length > 0, consistency });
      } finally {
        await c.shutdown().catch(() => undefined);
      }
    },
    waitForPeerState: async (id, state, timeoutMs = 60_000) => {
      let last = '';
      await waitUntil(
        `node 1 to see node ${id} ${state}`,
        timeoutMs,
        async () => {
          last = await peerState(id);
          // NORMAL while it is in the ring; "shutdown" once it said goodbye (a SIGTERM'd node). A SIGKILLed
          // node stays NORMAL here until the failure detector convicts it.
          return state === 'UP' ? last.startsWith('NORMAL') : last.startsWith('shutdown');
        },
        () => `status ${last}`,
      );
    },
    stop,
  };
  return lab;
}
