import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Collector } from '../collectors/collector';
import { resolveSchema, specsOf, type OptionSource, type OptionSpec, type Schema, type Values } from '../config/options';

/**
 * Prometheus text ready to send, and its generation: a new number whenever the text changed. HTTP keeps
 * one compressed copy per generation (http/app.ts), so the text is compressed once per change, not per scrape.
 */
export interface Exposition {
  plain: Buffer;
  generation: number;
}

export interface ExtensionContext {
  registry: Registry;
  logger: FastifyBaseLogger;
}

/**
 * Something the daemon runs besides the scrape-time collectors: the in-process load generator, the Kafka
 * poller. It registers its metrics in `start`, may expose a scrape-time `collector`, and must release every
 * client and timer in `stop` (called from fastify's onClose on SIGTERM).
 */
export interface DaemonExtension {
  name: string;
  start(context: ExtensionContext): Promise<void>;
  stop(): Promise<void>;
  collector?: Collector;
  /**
   * Pre-rendered families appended to /metrics after the registry's text: for large, poll-time data (10,000
   * Kafka partitions) whose text is built once per poll instead of once per scrape.
   */
  exposition?(): Exposition;
  /** One line for the landing page, e.g. "kafka: 3 brokers at 127.0.0.1:9092, last poll 2s ago". */
  describe?(): string;
}

/** What every module may read of the daemon's own options. */
export interface ModuleContext {
  /** --path.sysfs */
  sysfs: string;
}

/** A module of the daemon: the flags it adds to `pitower exporter` and how it is created from them. */
export interface DaemonModule {
  name: string;
  options: readonly OptionSpec<unknown>[];
  /** Returns undefined when the module is not enabled by the given options. Throws PitowerConfigError on bad input. */
  create(source: OptionSource, context: ModuleContext): DaemonExtension | undefined;
}

/** A DaemonModule from its own schema: `create` gets that schema's typed values. */
export function defineModule<S extends Schema>(module: {
  name: string;
  schema: S;
  create(values: Values<S>, context: ModuleContext): DaemonExtension | undefined;
}): DaemonModule {
  return {
    name: module.name,
    options: specsOf(module.schema),
    create: (source, context) => module.create(resolveSchema(module.schema, source), context),
  };
}
