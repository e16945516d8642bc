/**
 * Test support: Debian's node_exporter (/usr/bin/prometheus-node-exporter) on a private 127.0.0.1 port with
 * only the collectors a test asks for (default: cpu and diskstats, what pitower's recording rules use).
 *
 *   const node = await startNodeExporter();
 *   try { ... scrape node.target ... } finally { await node.stop(); }
 *
 * The child is killed on stop() and, as a last resort, when the test process exits.
 */
import { launchServer } from './server-process';

export const NODE_EXPORTER_BIN = process.env.PITOWER_TEST_NODE_EXPORTER ?? '/usr/bin/prometheus-node-exporter';

export interface StartNodeExporterOptions {
  /** node_exporter collectors to enable; every other one is off (--collector.disable-defaults). */
  collectors?: string[];
  extraArgs?: string[];
  /** How long to wait for /metrics to answer; default 15 s. */
  readyTimeoutMs?: number;
}

export interface NodeExporterHandle {
  /** http://127.0.0.1:PORT/metrics */
  url: string;
  port: number;
  /** `127.0.0.1:PORT`, for scrape targets. */
  target: string;
  /** What node_exporter logged so far (stderr), for failure messages. */
  log(): string;
  /** SIGTERM, SIGKILL after 3 s. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startNodeExporter(options: StartNodeExporterOptions = {}): Promise<NodeExporterHandle> {
  const collectors = options.collectors ?? ['cpu', 'diskstats'];
  const server = await launchServer({
    name: 'node_exporter',
    bin: NODE_EXPORTER_BIN,
    args: (port) => [
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      ...collectors.map((c) => `--collector.${c}`),
      '--log.level=warn',
      ...(options.extraArgs ?? []),
    ],
    readyUrl: (port) => `http://127.0.0.1:${port}/metrics`,
    readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
    stopTimeoutMs: 3000,
  });
  const { port } = server;
  return { url: `http://127.0.0.1:${port}/metrics`, port, target: `127.0.0.1:${port}`, log: server.log, stop: server.stop };
}
