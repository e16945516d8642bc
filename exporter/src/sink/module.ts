import { defineModule, type DaemonExtension, type DaemonModule } from '../daemon/extension';
import { errorMessage } from '../errors';
import type { Backend } from '../load/backends/backend';
import { createBackoff } from '../retry';
import { sinkSchema, toSinkConfig, type SinkConfig } from './options';
import type { KafkaSink } from './sink';

/** The database side of the sink, loaded only when used (the daemon does not load drivers it does not run). */
export function createSinkBackend(config: SinkConfig): Backend {
  if (config.mysql) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../load/backends/mysql') as typeof import('../load/backends/mysql')).createMysqlBackend(config.mysql);
  }
  if (config.cassandra) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../load/backends/cassandra') as typeof import('../load/backends/cassandra')).createCassandraBackend(config.cassandra, config.connectTimeoutSeconds, '');
  }
  throw new Error(`sink: no settings for backend ${config.backend}`);
}

/** The sink's consumer client: kafkajs retries a while before its consumer restarts. */
export function createSinkClient(config: SinkConfig, logger: { debug(obj: object, msg: string): void }) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createKafkaClient } = require('../kafka-client/client') as typeof import('../kafka-client/client');
  return createKafkaClient({
    clientId: 'pitower-sink',
    brokers: config.brokers,
    security: config.security,
    connectionTimeoutMs: 3000,
    requestTimeoutMs: 30_000,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5000 },
    logger,
  });
}

/**
 * The sink as a daemon extension. The database unreachable at start is retried with a backoff (the daemon
 * keeps serving and counts it); `pitower sink` fails at once instead (runSinkCommand).
 */
export function createSinkExtension(config: SinkConfig): DaemonExtension {
  let sink: KafkaSink | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let status = 'starting';
  return {
    name: 'sink',
    async start({ registry, logger }) {
      const backoff = createBackoff({ initialMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.2 });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { KafkaSink } = require('./sink') as typeof import('./sink');
      const s = new KafkaSink(createSinkClient(config, logger), createSinkBackend(config), config, registry, logger);
      sink = s;
      const attempt = async (): Promise<void> => {
        try {
          await s.start();
          status = 'running';
        } catch (err) {
          status = `cannot start: ${errorMessage(err)}`;
          logger.warn({ err: errorMessage(err) }, 'sink: cannot start; retrying');
          if (!stopped) timer = setTimeout(() => void attempt(), backoff.next());
        }
      };
      s.onCrash = () => {
        status = 'consumer crashed; restarting';
        if (!stopped) timer = setTimeout(() => void attempt(), backoff.next());
      };
      // not awaited: the database or Kafka being slow to answer must not hold /-/ready back
      void attempt();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await sink?.stop();
      sink = undefined;
    },
    describe: () => (status === 'running' && sink ? sink.describe() : `sink: ${config.topic} -> ${config.backend}, ${status}`),
  };
}

/** `--sink.*` flags of `pitower exporter`; enabled by --sink.backend. */
export const SINK_MODULE: DaemonModule = defineModule({
  name: 'sink',
  schema: sinkSchema('sink.'),
  create(values) {
    if (!values.backend) return undefined;
    return createSinkExtension(toSinkConfig(values, 'sink.'));
  },
});
