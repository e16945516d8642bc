import { Registry } from 'prom-client';
import { scrapeBudgetMs } from '../http/app';
import type { Collector } from './collector';
import { CollectorRunner } from './runner';

const quiet = { debug: () => undefined, warn: () => undefined };

/** A collector whose update waits until `release()` is called; counts its updates. */
function gated(name: string) {
  let release: () => void = () => undefined;
  const collector = {
    name,
    updates: 0,
    update() {
      collector.updates++;
      return new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release(),
  };
  return collector;
}

async function gauges(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.collector), v.value]));
}

describe('collectors > runner', () => {
  it('answers within the deadline: a collector that hangs gets success 0, the others report normally', async () => {
    const registry = new Registry();
    const hung = gated('thermal');
    const fine: Collector = { name: 'model', update: async () => undefined };
    const runner = new CollectorRunner([hung, fine], registry, quiet, { timeoutSeconds: 0.05 });
    const started = Date.now();
    await runner.collect();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await gauges(registry, 'pitower_scrape_collector_success')).toEqual({ thermal: 0, model: 1 });
    expect((await gauges(registry, 'pitower_scrape_collector_duration_seconds')).thermal).toBeCloseTo(0.05, 5);
    const thermal = runner.statuses().find((s) => s.name === 'thermal');
    expect(thermal?.state).toBe('failed');
    expect(thermal?.message).toMatch(/^timed out: still running after 0\.\d s \(--collector\.timeout 0\.05s\)/);
    hung.release();
  });

  it('does not start a hung collector again while it runs, reports it stuck, and recovers once it returns', async () => {
    const registry = new Registry();
    const hung = gated('thermal');
    const runner = new CollectorRunner([hung], registry, quiet, { timeoutSeconds: 0.02 });
    await runner.collect();
    await runner.collect();
    await runner.collect();
    expect(hung.updates).toBe(1);
    expect(runner.stuck().map((s) => s.name)).toEqual(['thermal']);

    hung.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.stuck()).toEqual([]);
    expect(runner.statuses()).toEqual([{ name: 'thermal', state: 'ok' }]);
    expect(await gauges(registry, 'pitower_scrape_collector_success')).toEqual({ thermal: 1 });

    const next = runner.collect();
    expect(hung.updates).toBe(2);
    hung.release();
    await next;
    expect(runner.statuses()[0].state).toBe('ok');
  });

  it('a collector still inside its deadline is not stuck', async () => {
    const hung = gated('thermal');
    const runner = new CollectorRunner([hung], new Registry(), quiet, { timeoutSeconds: 60 });
    const pending = runner.collect();
    expect(runner.stuck()).toEqual([]);
    expect(runner.stuck(performance.now() + 61_000).map((s) => s.name)).toEqual(['thermal']);
    hung.release();
    await pending;
  });

  it('a shorter scrape budget than the timeout wins', async () => {
    const hung = gated('thermal');
    const runner = new CollectorRunner([hung], new Registry(), quiet, { timeoutSeconds: 60 });
    const started = Date.now();
    await runner.collect(30);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(runner.statuses()[0].state).toBe('failed');
    hung.release();
  });

  it.each([
    [undefined, Infinity],
    ['10', 9500],
    ['0.5', 100],
    ['abc', Infinity],
    ['-3', Infinity],
    [['2', '9'], 1500],
  ])('scrape budget from X-Prometheus-Scrape-Timeout-Seconds %p is %p ms', (header, ms) => {
    expect(scrapeBudgetMs(header)).toBe(ms);
  });
});
