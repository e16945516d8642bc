import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * A librdkafka mock cluster (test/kafka-mock/kafka-mock.c) in a child process: real Kafka wire protocol on
 * 127.0.0.1 ephemeral ports, controlled through stdin. The C program is compiled on first use into the
 * gitignored test/kafka-mock/kafka-mock and rebuilt when kafka-mock.c is newer.
 *
 *   const cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3 }] });
 *   try { ... new Kafka({ brokers: cluster.bootstrap }) ...; await cluster.command('leader orders 0 2'); }
 *   finally { await cluster.stop(); }
 *
 * Commands (see kafka-mock.c): topic, leader, follower, down, up, rtt, errors, topicerror.
 * Broker ids are 1..brokers; bootstrap[i] is broker i+1.
 */
export interface MockTopic {
  name: string;
  partitions: number;
  /** Defaults to min(3, brokers). */
  replication?: number;
}

export interface MockClusterOptions {
  brokers: number;
  topics?: MockTopic[];
}

export interface MockCluster {
  /** host:port of each broker, index i = broker id i+1. */
  bootstrap: string[];
  /** Sends one control line; resolves on "OK", rejects with the broker's reason on "ERR ...". */
  command(line: string): Promise<void>;
  /** Ends the process (EOF, then SIGKILL after 2 s). Idempotent. */
  stop(): Promise<void>;
  /** Process id, for diagnostics. */
  pid: number;
}

const SOURCE = join(__dirname, 'kafka-mock.c');
const BINARY = join(__dirname, 'kafka-mock');
const live = new Set<ChildProcessWithoutNullStreams>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Compiles kafka-mock.c when the binary is missing or older; returns the binary path. */
export function buildMockBinary(): string {
  const fresh = existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs;
  if (fresh) return BINARY;
  // Compile to a private name and rename, so parallel jest workers never run a half-written file.
  const tmp = `${BINARY}.${process.pid}.tmp`;
  execFileSync('cc', ['-O1', '-Wall', '-o', tmp, SOURCE, '-lrdkafka'], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(tmp, BINARY);
  return BINARY;
}

export async function startMockCluster(options: MockClusterOptions): Promise<MockCluster> {
  const binary = buildMockBinary();
  const child = spawn(binary, [String(options.brokers)], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<{ resolve: (line: string) => void; reject: (err: Error) => void }> = [];
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(child);
      for (const w of waiting.splice(0)) w.reject(new Error(`kafka-mock exited (${code ?? signal}): ${stderr.trim()}`));
      resolve();
    });
  });
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  const nextLine = (): Promise<string> =>
    exited
      ? Promise.reject(new Error(`kafka-mock is not running: ${stderr.trim()}`))
      : new Promise((resolve, reject) => waiting.push({ resolve, reject }));

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exitPromise;
    clearTimeout(timer);
  };

  let chain: Promise<unknown> = Promise.resolve();
  const command = (line: string): Promise<void> => {
    // One reply line per command, in order; serialise so concurrent callers get their own reply.
    const run = chain.then(async () => {
      const reply = nextLine();
      child.stdin.write(`${line.trim()}\n`);
      const answer = await reply;
      if (answer !== 'OK') throw new Error(`kafka-mock "${line}": ${answer.replace(/^ERR /, '')}`);
    });
    chain = run.catch(() => undefined);
    return run;
  };

  try {
    const first = await nextLine();
    const match = /^BOOTSTRAP (\S+)$/.exec(first);
    if (!match) throw new Error(`kafka-mock: unexpected first line "${first}"`);
    const bootstrap = match[1].split(',');
    for (const topic of options.topics ?? []) {
      const replication = topic.replication ?? Math.min(3, options.brokers);
      await command(`topic ${topic.name} ${topic.partitions} ${replication}`);
    }
    return { bootstrap, command, stop, pid: child.pid ?? -1 };
  } catch (err) {
    await stop();
    throw err;
  }
}
