import type { Registry } from 'prom-client';

/**
 * One collector per source, node_exporter style. `update()` reads its sources at scrape time and sets its
 * own metrics (registered in the shared private registry). It may throw:
 * - PitowerNoDataError: the source does not exist on this host (normal; success stays 1, nothing exposed);
 * - PitowerPartialDataError: some values were unusable (the usable ones are exposed; success 0);
 * - anything else: the collector failed (success 0). It never breaks the scrape.
 */
export interface Collector {
  readonly name: string;
  update(): Promise<void>;
}

export interface CollectorContext {
  registry: Registry;
  /** Root of the sysfs tree (`--path.sysfs`), the test seam for fixture trees. */
  sysfs: string;
  /** Root of the procfs tree (`--path.procfs`). */
  procfs: string;
}

export type CollectorFactory = (context: CollectorContext) => Collector;
