import { Gauge } from 'prom-client';
import { PitowerNoDataError, PitowerPartialDataError, errorMessage } from '../errors';
import type { Collector, CollectorContext } from './collector';
import { parseMillidegrees } from './parsers';
import { join, listMatching, readAttribute } from './sysfs';

/**
 * Temperatures from every `class/thermal/thermal_zone*` and every hwmon `temp*_input`.
 * A Pi has one zone (`cpu-thermal`); laptops have several zones and hwmon chips; CI machines often none.
 */
export function createThermalCollector({ registry, sysfs }: CollectorContext): Collector {
  const zoneTemp = new Gauge({
    name: 'pitower_thermal_zone_temperature_celsius',
    help: 'Temperature of a thermal zone (class/thermal/thermal_zone*/temp).',
    labelNames: ['zone', 'type'],
    registers: [registry],
  });
  const hwmonTemp = new Gauge({
    name: 'pitower_hwmon_temperature_celsius',
    help: 'Temperature of an hwmon sensor (class/hwmon/hwmon*/temp*_input).',
    labelNames: ['hwmon', 'chip', 'sensor', 'label'],
    registers: [registry],
  });

  return {
    name: 'thermal',
    async update() {
      zoneTemp.reset();
      hwmonTemp.reset();
      const problems: string[] = [];
      let sources = 0;

      const thermalDir = join(sysfs, 'class/thermal');
      for (const zone of await listMatching(thermalDir, /^thermal_zone\d+$/)) {
        sources++;
        const path = join(thermalDir, zone, 'temp');
        try {
          const text = await readAttribute(path);
          if (text === undefined) continue; // a zone without a temp attribute (disabled zone) is not an error
          const type = (await readAttribute(join(thermalDir, zone, 'type'))) ?? '';
          zoneTemp.set({ zone, type }, parseMillidegrees(text));
        } catch (err) {
          problems.push(`${path}: ${errorMessage(err)}`);
        }
      }

      const hwmonDir = join(sysfs, 'class/hwmon');
      for (const hwmon of await listMatching(hwmonDir, /^hwmon\d+$/)) {
        const dir = join(hwmonDir, hwmon);
        const chip = (await readAttribute(join(dir, 'name')).catch(() => undefined)) ?? '';
        for (const input of await listMatching(dir, /^temp\d+_input$/)) {
          sources++;
          const sensor = input.replace(/_input$/, '');
          const path = join(dir, input);
          try {
            const text = await readAttribute(path);
            if (text === undefined) continue;
            const label = (await readAttribute(join(dir, `${sensor}_label`))) ?? '';
            hwmonTemp.set({ hwmon, chip, sensor, label }, parseMillidegrees(text));
          } catch (err) {
            problems.push(`${path}: ${errorMessage(err)}`);
          }
        }
      }

      if (sources === 0) throw new PitowerNoDataError(`no thermal zones or hwmon temperature inputs under ${sysfs}`);
      if (problems.length > 0) throw new PitowerPartialDataError(problems);
    },
  };
}
