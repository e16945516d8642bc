import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from './security';

export interface ClientLogger {
  debug(obj: object, msg: string): void;
}

/** TLS options for kafkajs and the broker probe; undefined without --tls.enabled. */
export function toTlsOptions(security: KafkaSecurity): ConnectionOptions | undefined {
  if (!security.tls) return undefined;
  const { ca, cert, key, rejectUnauthorized } = security.tls;
  return { ca, cert, key, rejectUnauthorized };
}

/** The SNI name for a broker: none for IP addresses (Node refuses IP servernames). */
export function toServername(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  security: KafkaSecurity;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retry: RetryOptions;
  /** kafkajs' own log lines go to this logger at debug; without one they are dropped. */
  logger?: ClientLogger;
}

/**
 * The one place a kafkajs client is made, for the Kafka collector and for the load generator (its producer
 * and its audit's read-back): brokers, TLS, SASL and timeouts from the same flags, so whatever reaches a
 * secured cluster for one reaches it for the other.
 */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const { logger } = options;
  const config: KafkaJsConfig = {
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs,
    authenticationTimeout: 5000,
    requestTimeout: options.requestTimeoutMs,
    retry: options.retry,
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    ...(logger ? { logCreator: () => (entry) => logger.debug({ kafkajs: entry.namespace, ...entry.log }, `kafkajs: ${entry.log.message}`) } : {}),
  };
  const tls = toTlsOptions(options.security);
  if (tls) config.ssl = tls;
  const { sasl } = options.security;
  if (sasl) config.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  return new Kafka(config);
}

/**
 * The collector's client: fast failure (one retry, short timeouts) because the poller owns the retry
 * schedule (backoff.ts), and kafkajs' own logs go to debug (every failed poll is already counted).
 */
export function createCollectorClient(config: { brokers: string[] } & KafkaSecurity, logger: ClientLogger, requestTimeoutMs: number): Kafka {
  return createKafkaClient({
    clientId: 'pitower-exporter',
    brokers: config.brokers,
    security: config,
    connectionTimeoutMs: 3000,
    requestTimeoutMs,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 1000 },
    logger,
  });
}

/** The reporter lease's client (a consumer group member): kafkajs retries a few times before its consumer restarts. */
export function createLeaseClient(config: { brokers: string[] } & KafkaSecurity, logger: ClientLogger): Kafka {
  return createKafkaClient({
    clientId: 'pitower-reporter',
    brokers: config.brokers,
    security: config,
    connectionTimeoutMs: 3000,
    requestTimeoutMs: 10_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    logger,
  });
}

/** The end-to-end probe's client: its requests time out with --probe.timeout (a stuck leader is a failed send). */
export function createProbeClient(config: { brokers: string[] } & KafkaSecurity, logger: ClientLogger, timeoutMs: number): Kafka {
  return createKafkaClient({
    clientId: 'pitower-probe',
    brokers: config.brokers,
    security: config,
    connectionTimeoutMs: 3000,
    requestTimeoutMs: timeoutMs,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
    logger,
  });
}

/**
 * The probe consumer's client: short request timeouts, so a request to a stuck broker gives up in seconds
 * instead of a whole --probe.timeout.
 */
export function createProbeConsumerClient(config: { brokers: string[] } & KafkaSecurity, logger: ClientLogger): Kafka {
  return createProbeClient(config, logger, 3000);
}
