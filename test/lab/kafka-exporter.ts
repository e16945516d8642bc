/**
 * kafka_exporter v1.9.0, the peer pitower's Kafka collector must be a drop-in for, on a private 127.0.0.1
 * port against a lab cluster. The binary is built once from the source snapshot in ../shared/peers (the Go
 * module proxy refuses that module) and cached in ~/.cache/pitower-peers.
 *
 *   const peer = await startKafkaExporter(lab.bootstrap);
 *   try { ... fetch(peer.url) ... } finally { await peer.stop(); }
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { launchServer } from '../support/server-process';
import { KafkaLabError } from './kafka';

const execFileP = promisify(execFile);
export const BUILD_SCRIPT = join(__dirname, '..', '..', '..', 'shared', 'peers', 'build-kafka-exporter.sh');

/** Path of the kafka_exporter binary ($PITOWER_KAFKA_EXPORTER, or built from ../shared/peers once). */
export async function buildKafkaExporter(): Promise<string> {
  if (process.env.PITOWER_KAFKA_EXPORTER) return process.env.PITOWER_KAFKA_EXPORTER;
  if (!existsSync(BUILD_SCRIPT)) throw new KafkaLabError('build kafka_exporter', `${BUILD_SCRIPT} not found (../shared beside the repository)`);
  try {
    const { stdout } = await execFileP('bash', [BUILD_SCRIPT], { timeout: 600_000, maxBuffer: 16 << 20 });
    return stdout.trim().split('\n').pop() as string;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new KafkaLabError('build kafka_exporter', (e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | '));
  }
}

export interface KafkaExporterHandle {
  url: string;
  pid: number | undefined;
  log(): string;
  stop(): Promise<void>;
}

export async function startKafkaExporter(bootstrap: string[], extraArgs: string[] = []): Promise<KafkaExporterHandle> {
  const bin = await buildKafkaExporter();
  const server = await launchServer({
    name: 'kafka_exporter',
    bin,
    args: (port) => [
      ...bootstrap.map((b) => `--kafka.server=${b}`),
      `--web.listen-address=127.0.0.1:${port}`,
      '--refresh.metadata=1s',
      // Its default mode sometimes drops the last family of a scrape (../shared/real-servers.md).
      '--concurrent.enable',
      '--log.level=warn',
      ...extraArgs,
    ],
    // Its landing page: /metrics itself takes seconds at thousands of partitions.
    readyUrl: (port) => `http://127.0.0.1:${port}/`,
    readyTimeoutMs: 30_000,
    stopTimeoutMs: 3000,
  });
  return { url: `http://127.0.0.1:${server.port}/metrics`, pid: server.pid, log: server.log, stop: server.stop };
}
