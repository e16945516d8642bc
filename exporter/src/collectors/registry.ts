import type { CollectorFactory } from './collector';
import { createCpufreqCollector } from './cpufreq';
import { createModelCollector } from './model';
import { createThermalCollector } from './thermal';
import { createThrottlingCollector } from './throttling';

export interface CollectorEntry {
  name: string;
  help: string;
  create: CollectorFactory;
}

/** Every scrape-time collector; each gets a `--[no-]collector.<name>` switch, all enabled by default. */
export const COLLECTORS: CollectorEntry[] = [
  { name: 'thermal', help: 'thermal zone and hwmon temperatures', create: createThermalCollector },
  { name: 'throttling', help: 'Raspberry Pi firmware throttling bits (get_throttled)', create: createThrottlingCollector },
  { name: 'cpufreq', help: 'CPU frequency per core in hertz', create: createCpufreqCollector },
  { name: 'model', help: 'board model from procfs cpuinfo', create: createModelCollector },
];
