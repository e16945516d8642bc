import { join } from 'node:path';
import { parseMillidegrees } from '../collectors/parsers';
import { readAttribute } from '../collectors/sysfs';

/**
 * One transaction of the load generator: a CPU-temperature reading. `producer` + `seq` identify every reading
 * for the loss audit; `seq` counts from 0 within one run.
 */
export interface Reading {
  producer: string;
  seq: number;
  host: string;
  location: string;
  timestamp_ms: number;
  note: string;
  value_celsius: number;
}

/** Where the reading's value comes from: the first thermal zone, or a synthetic value where none exists. */
export interface ValueSource {
  /** The current value (cached; refreshed by `refresh`). */
  current(): number;
  /** `thermal_zone0` or `synthetic`. */
  readonly kind: 'thermal_zone0' | 'synthetic';
  refresh(): Promise<void>;
}

export const THERMAL_ZONE0 = 'class/thermal/thermal_zone0/temp';

/**
 * A synthetic temperature: a slow 0.1 °C-step oscillation around 45 °C, so dashboards show a plausible
 * line on machines (CI, laptops in VMs) without a thermal zone.
 */
export function toSyntheticCelsius(nowMs: number): number {
  return Math.round((45 + 5 * Math.sin((2 * Math.PI * nowMs) / 600000)) * 10) / 10;
}

/** Reads `<sysfs>/class/thermal/thermal_zone0/temp`; falls back to a synthetic value when it is absent or unusable. */
export async function readValueSource(sysfs: string, now: () => number = Date.now): Promise<ValueSource> {
  const path = join(sysfs, THERMAL_ZONE0);
  const read = async (): Promise<number | undefined> => {
    try {
      const text = await readAttribute(path);
      return text === undefined ? undefined : parseMillidegrees(text);
    } catch {
      return undefined;
    }
  };
  const first = await read();
  if (first === undefined) {
    return { kind: 'synthetic', current: () => toSyntheticCelsius(now()), refresh: async () => undefined };
  }
  let value = first;
  return {
    kind: 'thermal_zone0',
    current: () => value,
    async refresh() {
      value = (await read()) ?? value;
    },
  };
}

export interface ReadingFactoryOptions {
  producer: string;
  host: string;
  location: string;
  note: string;
  source: ValueSource;
  now?: () => number;
}

/** createReadingFactory(...)(seq) -> the reading with that seq, stamped now. */
export function createReadingFactory(options: ReadingFactoryOptions): (seq: number) => Reading {
  const now = options.now ?? Date.now;
  return (seq) => ({
    producer: options.producer,
    seq,
    host: options.host,
    location: options.location,
    timestamp_ms: now(),
    note: options.note,
    value_celsius: options.source.current(),
  });
}

/** The wire form used for Kafka values (and the audit's read-back): compact JSON, ~100-150 bytes. */
export function toReadingJson(reading: Reading): string {
  return JSON.stringify(reading);
}

/** The inverse of toReadingJson for the audit; undefined for anything that is not a reading. */
export function parseReadingJson(text: string): Pick<Reading, 'producer' | 'seq'> | undefined {
  try {
    const value = JSON.parse(text) as Partial<Reading>;
    if (typeof value?.producer !== 'string' || typeof value.seq !== 'number' || !Number.isInteger(value.seq)) return undefined;
    return { producer: value.producer, seq: value.seq };
  } catch {
    return undefined;
  }
}

/** A whole reading from its wire form (the Kafka sink); undefined for anything else (never throws). */
export function parseReading(text: string): Reading | undefined {
  let v: Partial<Reading>;
  try {
    v = JSON.parse(text) as Partial<Reading>;
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const { producer, seq, host, location, timestamp_ms, note, value_celsius } = v;
  if (typeof producer !== 'string' || producer === '' || typeof host !== 'string' || typeof location !== 'string' || typeof note !== 'string') return undefined;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0 || !Number.isSafeInteger(timestamp_ms) || typeof value_celsius !== 'number' || !Number.isFinite(value_celsius)) return undefined;
  return { producer, seq: seq as number, host, location, timestamp_ms: timestamp_ms as number, note, value_celsius };
}

/** A run's producer id: host, pid and start time, unique enough to tell runs apart in one table or topic. */
export function createProducerId(host: string, startMs: number, pid: number = process.pid): string {
  return `${host}-${pid}-${startMs.toString(36)}`;
}
