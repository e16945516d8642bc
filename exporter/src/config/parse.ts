/**
 * Pure value parsers shared by every option table. Each throws an Error whose message is the reason;
 * the option schema (config/options.ts) prefixes it with the flag or file key.
 */

export interface ListenAddress {
  host: string;
  port: number;
  /** As written, for messages. */
  text: string;
}

/** `[host]:port`, `:9742`, `0.0.0.0:9742`, `[::1]:9742`. An empty host means all interfaces. */
export function parseListenAddress(raw: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(raw.trim());
  if (!match) throw new Error(`invalid address "${raw}": expected [host]:port, e.g. :9742 or 127.0.0.1:9742`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`invalid port ${port} in "${raw}": must be 0-65535`);
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '::' : host, port, text: raw.trim() };
}

/**
 * A server to connect to: `host:port` or `[IPv6]:port`, port 1..65535 (Kafka brokers, the load generator's
 * targets). Returned trimmed, as written.
 */
export function parseHostPort(raw: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(raw.trim());
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) throw new Error(`invalid address "${raw}": expected host:port (IPv6 in brackets), port 1-65535`);
  return raw.trim();
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Longest duration accepted: Node timers fire at once beyond 2^31-1 ms (~24.8 days). */
export const MAX_DURATION_SECONDS = 24 * 86400;

/** Prometheus-style durations: `500ms`, `5s`, `1m30s`, `2h`; a bare number is seconds. Returns seconds. */
export function parseDuration(raw: string): number {
  const text = raw.trim();
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    seconds = Number(text);
  } else {
    const parts = text.match(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g);
    if (!parts || parts.join('') !== text) throw new Error(`invalid duration "${raw}": expected e.g. 500ms, 5s, 1m30s`);
    seconds = parts.reduce((sum, part) => {
      const [, n, unit] = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/.exec(part) as RegExpExecArray;
      return sum + Number(n) * DURATION_UNITS[unit];
    }, 0);
  }
  if (seconds > MAX_DURATION_SECONDS) throw new Error(`duration "${raw}" is too long: at most 24d`);
  return seconds;
}

/** Seconds as the shortest duration text: 0.01 -> 10ms, 90 -> 1m30s, 300 -> 5m. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  let rest = seconds;
  let out = '';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return rest > 0 || out === '' ? `${out}${Number(rest.toFixed(3))}s` : out;
}

/**
 * The one positive-duration parser: a duration greater than 0 and within [min, max] seconds, as a value
 * parser (`parse: positiveDuration(1, 300)`).
 */
export function positiveDuration(minSeconds = 0, maxSeconds = MAX_DURATION_SECONDS): (raw: string) => number {
  return (raw) => {
    const seconds = parseDuration(raw);
    if (!(seconds > 0)) throw new Error(`"${raw}" must be greater than 0`);
    if (seconds < minSeconds) throw new Error(`"${raw}" is shorter than ${formatDuration(minSeconds)}`);
    if (seconds > maxSeconds) throw new Error(`"${raw}" is longer than ${formatDuration(maxSeconds)}`);
    return seconds;
  };
}

/** Integer within [min, max]. */
export function parseInteger(raw: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new Error(`"${raw}" is not an integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`${n} is out of range ${min}..${max}`);
  return n;
}

/** Finite number within [min, max]. */
export function parseNumber(raw: string, min = -Infinity, max = Infinity): number {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`"${raw}" is not a number`);
  if (n < min || n > max) throw new Error(`${n} is out of range ${min}..${max}`);
  return n;
}

/** A regular expression, anchored like kafka_exporter's filters are not: matched anywhere. */
export function parseRegex(raw: string): RegExp {
  try {
    return new RegExp(raw);
  } catch {
    throw new Error(`invalid regular expression "${raw}"`);
  }
}
