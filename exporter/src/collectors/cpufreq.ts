import { Gauge } from 'prom-client';
import { PitowerNoDataError, PitowerPartialDataError, errorMessage } from '../errors';
import type { Collector, CollectorContext } from './collector';
import { parseKilohertz } from './parsers';
import { join, listMatching, readAttribute } from './sysfs';

const ATTRIBUTES = [
  ['scaling_cur_freq', 'pitower_cpu_frequency_hertz', 'Current CPU frequency (cpufreq scaling_cur_freq).'],
  ['scaling_min_freq', 'pitower_cpu_frequency_min_hertz', 'Minimum CPU frequency the governor may choose.'],
  ['scaling_max_freq', 'pitower_cpu_frequency_max_hertz', 'Maximum CPU frequency the governor may choose.'],
] as const;

/** Current/min/max frequency per CPU in hertz; a Pi drops from 1.5-2.4 GHz when it throttles. */
export function createCpufreqCollector({ registry, sysfs }: CollectorContext): Collector {
  const gauges = ATTRIBUTES.map(
    ([file, name, help]) => [file, new Gauge({ name, help, labelNames: ['cpu'], registers: [registry] })] as const,
  );

  return {
    name: 'cpufreq',
    async update() {
      for (const [, gauge] of gauges) gauge.reset();
      const cpuDir = join(sysfs, 'devices/system/cpu');
      const problems: string[] = [];
      let sources = 0;
      // Every attribute read in parallel (a sysfs read is a thread-pool round trip, 12 in a row add up),
      // then set in CPU order so the exposition order does not depend on which read finished first.
      const reads = (await listMatching(cpuDir, /^cpu\d+$/)).flatMap((cpuName) =>
        gauges.map(async ([file, gauge]) => {
          const path = join(cpuDir, cpuName, 'cpufreq', file);
          try {
            const text = await readAttribute(path);
            if (text === undefined) return undefined;
            sources++;
            return { gauge, cpu: cpuName.slice(3), hertz: parseKilohertz(text) };
          } catch (err) {
            sources++;
            problems.push(`${path}: ${errorMessage(err)}`);
            return undefined;
          }
        }),
      );
      for (const value of await Promise.all(reads)) if (value) value.gauge.set({ cpu: value.cpu }, value.hertz);
      problems.sort();
      if (sources === 0) throw new PitowerNoDataError(`no cpufreq attributes under ${cpuDir}`);
      if (problems.length > 0) throw new PitowerPartialDataError(problems);
    },
  };
}
