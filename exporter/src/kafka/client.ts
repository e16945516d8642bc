import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from './options';

export interface ClientLogger {
  debug(obj: object, msg: string): void;
}

/** TLS options for kafkajs and the broker probe; undefined without --tls.enabled. */
export function toTlsOptions(config: KafkaConfig): ConnectionOptions | undefined {
  if (!config.tls) return undefined;
  const { ca, cert, key, rejectUnauthorized } = config.tls;
  return { ca, cert, key, rejectUnauthorized };
}

/** The SNI name for a broker: none for IP addresses (Node refuses IP servernames). */
export function toServername(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}

/**
 * The kafkajs client of the poller: fast failure (one retry, short timeouts) because the poller owns the
 * retry schedule (backoff.ts), and kafkajs' own logs go to debug (every failed poll is already counted).
 */
export function createKafkaClient(config: KafkaConfig, logger: ClientLogger, requestTimeoutMs: number): Kafka {
  const options: KafkaJsConfig = {
    clientId: 'pitower-exporter',
    brokers: config.brokers,
    connectionTimeout: 3000,
    authenticationTimeout: 5000,
    requestTimeout: requestTimeoutMs,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => logger.debug({ kafkajs: entry.namespace, ...entry.log }, `kafkajs: ${entry.log.message}`),
  };
  const tls = toTlsOptions(config);
  if (tls) options.ssl = tls;
  if (config.sasl) {
    options.sasl = { mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions;
  }
  return new Kafka(options);
}
