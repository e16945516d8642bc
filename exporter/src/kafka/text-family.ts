import type { Registry } from 'prom-client';
import type { RenderedFamily } from './render';

/**
 * A metric family whose sample text is rendered ahead of time (render.ts) and handed to prom-client's
 * registry as is, so a scrape of 10,000 partitions copies text instead of formatting 100,000 samples.
 *
 * prom-client writes each value as `${metricName}${labels} ${value}` without escaping metricName, so the
 * family returns one value whose metricName is the whole pre-rendered body up to the last sample's value.
 * This holds for the private registry of the daemon (Prometheus text format, no default labels); with
 * OpenMetrics output or registry default labels the text would be wrong, so neither is used with it.
 */
class TextFamily {
  readonly aggregator = 'sum';
  body = '';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: RenderedFamily['type'],
  ) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ metricName: string; labels: object; value: number }> } {
    const base = { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator };
    if (this.body === '') return { ...base, values: [] };
    const cut = this.body.lastIndexOf(' ');
    return { ...base, values: [{ metricName: this.body.slice(0, cut), labels: {}, value: Number(this.body.slice(cut + 1)) }] };
  }

  reset(): void {
    this.body = '';
  }
}

/** The pre-rendered families of one registry; `publish` swaps in new bodies (registering new names). */
export class TextFamilies {
  private readonly families = new Map<string, TextFamily>();

  constructor(private readonly registry: Registry) {}

  publish(rendered: readonly RenderedFamily[]): void {
    for (const r of rendered) {
      let f = this.families.get(r.name);
      if (!f) {
        f = new TextFamily(r.name, r.help, r.type);
        this.families.set(r.name, f);
        this.registry.registerMetric(f as unknown as Parameters<Registry['registerMetric']>[0]);
      }
      f.body = r.body;
    }
  }

  /** Removes every family from the registry (module stop). */
  unregister(): void {
    for (const name of this.families.keys()) this.registry.removeSingleMetric(name);
    this.families.clear();
  }
}
