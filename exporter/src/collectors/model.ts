import { Gauge } from 'prom-client';
import { PitowerNoDataError } from '../errors';
import type { Collector, CollectorContext } from './collector';
import { join, readAttribute } from './sysfs';

export interface BoardModel {
  model: string;
  revision: string;
}

/**
 * Raspberry Pi OS's `/proc/cpuinfo` ends with `Revision : c03114` and `Model : Raspberry Pi 4 Model B Rev 1.4`;
 * x86 has neither. Returns undefined when there is no `Model` line.
 */
export function parseCpuinfoModel(text: string): BoardModel | undefined {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(text)?.[1].trim();
  const model = field('Model');
  if (!model) return undefined;
  return { model, revision: field('Revision') ?? '' };
}

/** The board model from procfs, as an info metric, so dashboards can tell a Pi 4 from a Pi 5. */
export function createModelCollector({ registry, procfs }: CollectorContext): Collector {
  const info = new Gauge({
    name: 'pitower_board_info',
    help: 'Board model and revision from /proc/cpuinfo (Raspberry Pi); always 1.',
    labelNames: ['model', 'revision'],
    registers: [registry],
  });
  return {
    name: 'model',
    async update() {
      info.reset();
      const path = join(procfs, 'cpuinfo');
      const board = parseCpuinfoModel((await readAttribute(path)) ?? '');
      if (!board) throw new PitowerNoDataError(`no "Model" line in ${path}`);
      info.set({ model: board.model, revision: board.revision }, 1);
    },
  };
}
