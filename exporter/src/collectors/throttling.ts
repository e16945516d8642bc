import { Gauge } from 'prom-client';
import { PitowerNoDataError } from '../errors';
import type { Collector, CollectorContext } from './collector';
import { THROTTLING_CONDITIONS, parseThrottled } from './parsers';
import { join, listMatching, readAttribute } from './sysfs';

/** Directories that lead to the firmware node on the Pi 4 (`soc/soc:firmware`) and Pi 5 (`soc@107c000000/...`). */
const FIRMWARE_PATH_PART = /soc|firmware|axi/;

/**
 * Finds `get_throttled` under `<sysfs>/devices/platform`, at most two directories deep, following only
 * soc/firmware-looking directories so that the search stays a handful of readdirs on non-Pi hosts.
 */
export async function findGetThrottled(sysfs: string): Promise<string | undefined> {
  const platform = join(sysfs, 'devices/platform');
  const level1 = await listMatching(platform, FIRMWARE_PATH_PART);
  for (const dir of level1) {
    const direct = join(platform, dir, 'get_throttled');
    if ((await readAttribute(direct).catch(() => undefined)) !== undefined) return direct;
    for (const child of await listMatching(join(platform, dir), FIRMWARE_PATH_PART).catch(() => [])) {
      const nested = join(platform, dir, child, 'get_throttled');
      if ((await readAttribute(nested).catch(() => undefined)) !== undefined) return nested;
    }
  }
  return undefined;
}

/** Raspberry Pi firmware throttling bits, decoded into one 0/1 gauge per condition, now and since boot. */
export function createThrottlingCollector({ registry, sysfs }: CollectorContext): Collector {
  // Unlabelled, so it is registered only while get_throttled exists: an absent source exposes nothing.
  const FLAGS = 'pitower_throttling_flags';
  const flags = new Gauge({ name: FLAGS, help: 'Raw get_throttled bitmask from the Raspberry Pi firmware.', registers: [] });
  const showFlags = (show: boolean) => {
    const shown = registry.getSingleMetric(FLAGS) !== undefined;
    if (show && !shown) registry.registerMetric(flags);
    if (!show && shown) registry.removeSingleMetric(FLAGS);
  };
  const now = new Gauge({
    name: 'pitower_throttling_now',
    help: 'Throttling condition holds now (get_throttled bits 0-3): 1 yes, 0 no.',
    labelNames: ['condition'],
    registers: [registry],
  });
  const occurred = new Gauge({
    name: 'pitower_throttling_occurred',
    help: 'Throttling condition has occurred since boot (get_throttled bits 16-19): 1 yes, 0 no.',
    labelNames: ['condition'],
    registers: [registry],
  });
  let path: string | undefined;

  return {
    name: 'throttling',
    async update() {
      showFlags(false);
      now.reset();
      occurred.reset();
      path = path ?? (await findGetThrottled(sysfs));
      const text = path === undefined ? undefined : await readAttribute(path);
      if (path === undefined || text === undefined) {
        path = undefined;
        throw new PitowerNoDataError(`no get_throttled under ${join(sysfs, 'devices/platform')}`);
      }
      let state;
      try {
        state = parseThrottled(text);
      } catch (err) {
        throw new Error(`${path}: ${(err as Error).message}`);
      }
      flags.set(state.raw);
      showFlags(true);
      for (const condition of THROTTLING_CONDITIONS) {
        now.set({ condition }, state.now[condition] ? 1 : 0);
        occurred.set({ condition }, state.occurred[condition] ? 1 : 0);
      }
    },
  };
}
