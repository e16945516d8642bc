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
      // Zones and sensors are read in parallel (each sysfs read is a thread-pool round trip); the values are
      // set afterwards in directory order, so the exposition order does not depend on which read finished first.
      const read = async (path: string, toSet: (celsius: number) => Promise<() => void>) => {
        sources++;
        try {
          const text = await readAttribute(path);
          if (text !== undefined) return await toSet(parseMillidegrees(text)); // a zone without temp (disabled) is no error
        } catch (err) {
          problems.push(`${path}: ${errorMessage(err)}`);
        }
        return undefined;
      };

      const thermalDir = join(sysfs, 'class/thermal');
      const zones = (await listMatching(thermalDir, /^thermal_zone\d+$/)).map((zone) =>
        read(join(thermalDir, zone, 'temp'), async (celsius) => {
          const type = (await readAttribute(join(thermalDir, zone, 'type'))) ?? '';
          return () => zoneTemp.set({ zone, type }, celsius);
        }),
      );

      const hwmonDir = join(sysfs, 'class/hwmon');
      const chips = (await listMatching(hwmonDir, /^hwmon\d+$/)).map(async (hwmon) => {
        const dir = join(hwmonDir, hwmon);
        const [chip, inputs] = await Promise.all([
          readAttribute(join(dir, 'name')).catch(() => undefined),
          listMatching(dir, /^temp\d+_input$/),
        ]);
        return Promise.all(
          inputs.map((input) => {
            const sensor = input.replace(/_input$/, '');
            return read(join(dir, input), async (celsius) => {
              const label = (await readAttribute(join(dir, `${sensor}_label`))) ?? '';
              return () => hwmonTemp.set({ hwmon, chip: chip ?? '', sensor, label }, celsius);
            });
          }),
        );
      });
      const [zoneSets, chipSets] = await Promise.all([Promise.all(zones), Promise.all(chips)]);
      for (const set of [...zoneSets, ...chipSets.flat()]) set?.();
      problems.sort();

      if (sources === 0) throw new PitowerNoDataError(`no thermal zones or hwmon temperature inputs under ${sysfs}`);
      if (problems.length > 0) throw new PitowerPartialDataError(problems);
    },
  };
}
