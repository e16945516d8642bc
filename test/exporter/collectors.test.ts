import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ExporterConfig } from '../../exporter/src/http/server';
import { NO_SENSORS_TEXT } from '../../exporter/src/http/landing-page';
import { createExporter } from '../../exporter/src/http/server';
import { testExporterConfig } from '../support/exporter-config';
import { parseMetricsText, pick } from '../support/metrics-text';

const FIXTURES = join(__dirname, '..', 'fixtures', 'sysfs');

const PROCFS = join(__dirname, '..', 'fixtures', 'procfs');

function config(sysfs: string, procfs = join(PROCFS, 'laptop')): ExporterConfig {
  return testExporterConfig({ sysfs, procfs, collectors: ['thermal', 'throttling', 'cpufreq', 'model'] });
}

/** Starts the exporter on an ephemeral port and scrapes it over real HTTP. */
async function withExporter(
  sysfs: string,
  fn: (scrape: () => Promise<Map<string, number>>, url: string) => Promise<void>,
  procfs?: string,
) {
  const app: FastifyInstance = createExporter(config(sysfs, procfs), [], false);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    await fn(async () => {
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      return parseMetricsText(await response.text());
    }, url);
  } finally {
    await app.close();
  }
}

const success = (thermal: number, throttling: number, cpufreq: number) => ({
  'pitower_scrape_collector_success{collector="thermal"}': thermal,
  'pitower_scrape_collector_success{collector="throttling"}': throttling,
  'pitower_scrape_collector_success{collector="cpufreq"}': cpufreq,
  'pitower_scrape_collector_success{collector="model"}': 1,
});

const throttling = (flags: number, now: number[], occurred: number[]) => {
  const names = ['under_voltage', 'arm_frequency_capped', 'throttled', 'soft_temperature_limit'];
  const out: Record<string, number> = { pitower_throttling_flags: flags };
  names.forEach((n, i) => {
    out[`pitower_throttling_now{condition="${n}"}`] = now[i];
    out[`pitower_throttling_occurred{condition="${n}"}`] = occurred[i];
  });
  return out;
};

describe('exporter > collectors over HTTP with fixture sysfs trees', () => {
  test('Raspberry Pi 4', async () => {
    await withExporter(join(FIXTURES, 'pi4'), async (scrape, url) => {
      const page = await (await fetch(url)).text();
      expect(page).toContain('<td>thermal</td><td class="ok">ok</td>');
      expect(page).not.toContain(NO_SENSORS_TEXT);
      const m = await scrape();
      expect(pick(m, 'pitower_thermal_zone_temperature_celsius')).toEqual({
        'pitower_thermal_zone_temperature_celsius{zone="thermal_zone0",type="cpu-thermal"}': 48.692,
      });
      expect(pick(m, 'pitower_hwmon_temperature_celsius')).toEqual({
        'pitower_hwmon_temperature_celsius{hwmon="hwmon0",chip="cpu_thermal",sensor="temp1",label=""}': 48.692,
      });
      expect({ ...pick(m, 'pitower_throttling_flags'), ...pick(m, 'pitower_throttling_now'), ...pick(m, 'pitower_throttling_occurred') })
        .toEqual(throttling(0x50005, [1, 0, 1, 0], [1, 0, 1, 0]));
      expect(pick(m, 'pitower_cpu_frequency_hertz')).toEqual({
        'pitower_cpu_frequency_hertz{cpu="0"}': 1.5e9,
        'pitower_cpu_frequency_hertz{cpu="1"}': 1.5e9,
        'pitower_cpu_frequency_hertz{cpu="2"}': 6e8,
        'pitower_cpu_frequency_hertz{cpu="3"}': 1.5e9,
      });
      expect(m.get('pitower_cpu_frequency_min_hertz{cpu="3"}')).toBe(6e8);
      expect(m.get('pitower_cpu_frequency_max_hertz{cpu="0"}')).toBe(1.5e9);
      expect(pick(m, 'pitower_scrape_collector_success')).toEqual(success(1, 1, 1));
      expect(pick(m, 'pitower_board_info')).toEqual({ 'pitower_board_info{model="Raspberry Pi 4 Model B Rev 1.4",revision="c03114"}': 1 });
    }, join(PROCFS, 'pi4'));
  });

  test('Raspberry Pi 5 (different firmware path, hwmon without temperatures)', async () => {
    await withExporter(join(FIXTURES, 'pi5'), async (scrape) => {
      const m = await scrape();
      expect(m.get('pitower_thermal_zone_temperature_celsius{zone="thermal_zone0",type="cpu-thermal"}')).toBe(61.25);
      expect(Object.keys(pick(m, 'pitower_hwmon_temperature_celsius'))).toEqual([
        'pitower_hwmon_temperature_celsius{hwmon="hwmon0",chip="cpu_thermal",sensor="temp1",label=""}',
      ]);
      expect({ ...pick(m, 'pitower_throttling_flags'), ...pick(m, 'pitower_throttling_now'), ...pick(m, 'pitower_throttling_occurred') })
        .toEqual(throttling(0x80008, [0, 0, 0, 1], [0, 0, 0, 1]));
      expect(m.get('pitower_cpu_frequency_hertz{cpu="2"}')).toBe(2.4e9);
      expect(pick(m, 'pitower_scrape_collector_success')).toEqual(success(1, 1, 1));
    });
  });

  test('x86 laptop: several zones and hwmon chips, no firmware node', async () => {
    await withExporter(join(FIXTURES, 'laptop'), async (scrape) => {
      const m = await scrape();
      expect(pick(m, 'pitower_thermal_zone_temperature_celsius')).toEqual({
        'pitower_thermal_zone_temperature_celsius{zone="thermal_zone0",type="acpitz"}': 27.8,
        'pitower_thermal_zone_temperature_celsius{zone="thermal_zone1",type="x86_pkg_temp"}': 45,
      });
      expect(pick(m, 'pitower_hwmon_temperature_celsius')).toEqual({
        'pitower_hwmon_temperature_celsius{hwmon="hwmon0",chip="coretemp",sensor="temp1",label="Package id 0"}': 45,
        'pitower_hwmon_temperature_celsius{hwmon="hwmon0",chip="coretemp",sensor="temp2",label="Core 0"}': 43,
        'pitower_hwmon_temperature_celsius{hwmon="hwmon2",chip="nvme",sensor="temp1",label="Composite"}': 35.85,
        'pitower_hwmon_temperature_celsius{hwmon="hwmon10",chip="acpitz",sensor="temp1",label=""}': 27.8,
      });
      expect(pick(m, 'pitower_throttling_now')).toEqual({});
      expect(pick(m, 'pitower_throttling_flags')).toEqual({});
      expect(pick(m, 'pitower_board_info')).toEqual({});
      expect(Object.keys(pick(m, 'pitower_cpu_frequency_hertz'))).toEqual([
        'pitower_cpu_frequency_hertz{cpu="0"}',
        'pitower_cpu_frequency_hertz{cpu="1"}',
        'pitower_cpu_frequency_hertz{cpu="2"}',
        'pitower_cpu_frequency_hertz{cpu="10"}',
      ]);
      expect(m.get('pitower_cpu_frequency_hertz{cpu="10"}')).toBe(3999999000);
      expect(pick(m, 'pitower_scrape_collector_success')).toEqual(success(1, 1, 1));
    });
  });

  test('a machine without sensors exposes no sensor series and no failures', async () => {
    await withExporter(join(FIXTURES, 'empty'), async (scrape, url) => {
      // Opened before anything scraped /metrics: the page runs the collectors itself and says what a VM shows.
      const first = await (await fetch(url)).text();
      expect(first).not.toContain('not scraped yet');
      expect(first).toContain('<td>cpufreq</td><td class="no-data">no source on this host</td>');
      expect(first).toContain(NO_SENSORS_TEXT);
      const m = await scrape();
      for (const family of ['pitower_thermal_', 'pitower_hwmon_', 'pitower_throttling_', 'pitower_cpu_frequency_']) {
        expect([...m.keys()].filter((k) => k.startsWith(family))).toEqual([]);
      }
      expect(pick(m, 'pitower_scrape_collector_success')).toEqual(success(1, 1, 1));
      const page = await (await fetch(url)).text();
      expect(page).toContain('<td>thermal</td><td class="no-data">no source on this host</td>');
      expect(page).toContain('<td>throttling</td><td class="no-data">no source on this host</td>');
    });
  });

  test('malformed values: usable ones exposed, the collector reports failure, the scrape still answers', async () => {
    await withExporter(join(FIXTURES, 'malformed'), async (scrape, url) => {
      const m = await scrape();
      expect(pick(m, 'pitower_thermal_zone_temperature_celsius')).toEqual({
        'pitower_thermal_zone_temperature_celsius{zone="thermal_zone2",type=""}': -5,
        'pitower_thermal_zone_temperature_celsius{zone="thermal_zone5",type="soc-thermal"}': 40,
      });
      expect(pick(m, 'pitower_throttling_now')).toEqual({});
      expect(pick(m, 'pitower_cpu_frequency_hertz')).toEqual({});
      expect(pick(m, 'pitower_cpu_frequency_min_hertz')).toEqual({ 'pitower_cpu_frequency_min_hertz{cpu="0"}': 6e8 });
      expect(pick(m, 'pitower_scrape_collector_success')).toEqual(success(0, 0, 0));
      expect(m.get('pitower_build_info{version="0.1.0",nodejs="' + process.versions.node + '"}')).toBe(1);
      const page = await (await fetch(url)).text();
      expect(page).toMatch(/<td>thermal<\/td><td class="partial">some values unusable<\/td><td>[^<]*thermal_zone0\/temp: not an integer/);
      expect(page).toContain('thermal_zone3/temp: implausible temperature 99999999.999 °C');
      expect(page).toContain('thermal_zone4/temp: not a regular file (a directory where a sysfs attribute should be)');
      expect(page).toMatch(/<td>throttling<\/td><td class="failed">failed<\/td><td>[^<]*get_throttled: not a hexadecimal bitmask: &#34;zz&#34;/);
    });
  });

  test('values are read at scrape time: a changed file shows on the next scrape, a removed zone disappears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pitower-sysfs-'));
    try {
      cpSync(join(FIXTURES, 'pi4'), dir, { recursive: true });
      await withExporter(dir, async (scrape) => {
        expect((await scrape()).get('pitower_thermal_zone_temperature_celsius{zone="thermal_zone0",type="cpu-thermal"}')).toBe(48.692);
        writeFileSync(join(dir, 'class/thermal/thermal_zone0/temp'), '81234\n');
        writeFileSync(join(dir, 'devices/platform/soc/soc:firmware/get_throttled'), '0\n');
        const second = await scrape();
        expect(second.get('pitower_thermal_zone_temperature_celsius{zone="thermal_zone0",type="cpu-thermal"}')).toBe(81.234);
        expect(second.get('pitower_throttling_now{condition="throttled"}')).toBe(0);
        expect(second.get('pitower_throttling_flags')).toBe(0);
        rmSync(join(dir, 'class/thermal/thermal_zone0'), { recursive: true });
        rmSync(join(dir, 'class/hwmon'), { recursive: true });
        const third = await scrape();
        expect(pick(third, 'pitower_thermal_zone_temperature_celsius')).toEqual({});
        expect(third.get('pitower_scrape_collector_success{collector="thermal"}')).toBe(1);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('health and readiness endpoints answer', async () => {
    await withExporter(join(FIXTURES, 'empty'), async (_scrape, url) => {
      const healthy = await fetch(`${url}/-/healthy`);
      expect([healthy.status, await healthy.text()]).toEqual([200, 'Healthy\n']);
      const ready = await fetch(`${url}/-/ready`);
      expect([ready.status, await ready.text()]).toEqual([200, 'Ready\n']);
      expect((await fetch(`${url}/nope`)).status).toBe(404);
    });
  });
});
