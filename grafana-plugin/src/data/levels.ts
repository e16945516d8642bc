import { Level } from '../types';

const ORDER: Level[] = ['ok', 'warn', 'critical'];

/** ok below `warn`, warn below `critical`, critical from there; an unknown value is ok (nothing to flag). */
export function toLevel(value: number | undefined, warn: number, critical: number): Level {
  return value === undefined || value < warn ? 'ok' : value < critical ? 'warn' : 'critical';
}

/** The most severe of `levels` (ok for none). */
export function toWorstLevel(levels: Level[]): Level {
  return levels.reduce<Level>((worst, l) => (ORDER.indexOf(l) > ORDER.indexOf(worst) ? l : worst), 'ok');
}
