import { serveMetricsText, startPrometheus } from '../support/prometheus';

describe('test support > prometheus', () => {
  it('scrapes a served metrics text and answers queries; stop() removes the temp dir', async () => {
    const t0 = Date.now();
    // Counter value follows wall time (10 per second), so rate() is exact whatever the scrape timing.
    const target = await serveMetricsText(() => `# TYPE smoke_total counter\nsmoke_total ${(10 * (Date.now() - t0)) / 1000}\n`);
    const prom = await startPrometheus({
      configYaml: `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: smoke\n    file_sd_configs: [{ files: [targets.yml] }]\n`,
      files: { 'targets.yml': `- targets: ['${target.target}']\n  labels: { role: broker }\n` },
    });
    try {
      const up = await prom.waitForQuery('up{role="broker"} == 1');
      expect(up.result[0].metric.instance).toBe(target.target);
      // rate() divides by the whole window, so only ask for a window that is already full of samples.
      await prom.waitForQuery('count_over_time(smoke_total[1m]) >= 6');
      const rate = await prom.query('rate(smoke_total[4s])');
      expect(Number(rate.result[0].value?.[1])).toBeCloseTo(10, 0);
      expect(target.scrapes()).toBeGreaterThanOrEqual(2);
    } finally {
      await prom.stop();
      await target.stop();
    }
    const { existsSync } = await import('node:fs');
    expect(existsSync(prom.dir)).toBe(false);
  });
});
