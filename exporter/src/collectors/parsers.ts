/**
 * Pure parsers for sysfs attribute text. Each returns the value or throws an Error naming what was wrong;
 * collectors turn those into partial-data problems.
 */

/** Plausible bounds for a temperature sensor; outside them a reading is a broken sensor, not a fact. */
export const MIN_CELSIUS = -273.15;
export const MAX_CELSIUS = 500;

/** `/sys/class/thermal/thermal_zone*\/temp` and hwmon `temp*_input`: integer millidegrees Celsius. */
export function parseMillidegrees(text: string): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new Error(`not an integer millidegree value: "${clip(trimmed)}"`);
  const celsius = Number(trimmed) / 1000;
  if (celsius < MIN_CELSIUS || celsius > MAX_CELSIUS) throw new Error(`implausible temperature ${celsius} °C`);
  return celsius;
}

/** cpufreq `scaling_*_freq`: integer kilohertz -> hertz. */
export function parseKilohertz(text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new Error(`not a non-negative integer kHz value: "${clip(trimmed)}"`);
  const hertz = Number(trimmed) * 1000;
  if (hertz > 100e9) throw new Error(`implausible frequency ${hertz} Hz`);
  return hertz;
}

export const THROTTLING_CONDITIONS = ['under_voltage', 'arm_frequency_capped', 'throttled', 'soft_temperature_limit'] as const;
export type ThrottlingCondition = (typeof THROTTLING_CONDITIONS)[number];

export interface ThrottlingState {
  raw: number;
  /** Bits 0-3: the condition holds now. */
  now: Record<ThrottlingCondition, boolean>;
  /** Bits 16-19: the condition has occurred since boot. */
  occurred: Record<ThrottlingCondition, boolean>;
}

/** Raspberry Pi firmware `get_throttled`: hexadecimal bitmask without `0x` (e.g. `50005`). */
export function parseThrottled(text: string): ThrottlingState {
  const trimmed = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{1,8}$/.test(trimmed)) throw new Error(`not a hexadecimal bitmask: "${clip(trimmed)}"`);
  const raw = parseInt(trimmed, 16);
  const now = {} as Record<ThrottlingCondition, boolean>;
  const occurred = {} as Record<ThrottlingCondition, boolean>;
  THROTTLING_CONDITIONS.forEach((condition, bit) => {
    now[condition] = (raw & (1 << bit)) !== 0;
    occurred[condition] = (raw & (1 << (bit + 16))) !== 0;
  });
  return { raw, now, occurred };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
