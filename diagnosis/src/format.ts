import { THRESHOLDS, type Verdict } from './bottleneck';
import type { SkippedHost } from './host-samples';

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

/**
 * A headline, the one-sentence explanation, and the ranked resources as a table:
 *
 *   bottleneck: io on pi-db-1 (database)
 *   pi-db-1 (database) disk is 98% busy (0.98 s of IO per second), the most saturated resource: ...
 *
 *   HOST         ROLE      RESOURCE  BUSY
 *   pi-db-1      database  disk       98%  saturated
 *   pi-db-1      database  cpu        35%
 */
export function formatVerdict(v: Verdict): string {
  const headline = v.host ? `bottleneck: ${v.kind} on ${v.host} (${v.role})` : `bottleneck: ${v.kind}`;
  const lines = [headline, v.explanation];
  if (v.ranked.length > 0) {
    const hostWidth = Math.max(4, ...v.ranked.map((r) => r.host.length)) + 2;
    lines.push('', `${pad('HOST', hostWidth)}${pad('ROLE', 10)}${pad('RESOURCE', 10)}BUSY`);
    for (const r of v.ranked) {
      const limit = r.resource === 'cpu' ? THRESHOLDS.cpuSaturated : THRESHOLDS.ioSaturated;
      const busy = `${Math.round(r.utilisation * 100)}%`.padStart(4);
      const mark = r.utilisation >= limit - 1e-9 ? '  saturated' : '';
      lines.push(`${pad(r.host, hostWidth)}${pad(r.role, 10)}${pad(r.resource === 'cpu' ? 'cpu' : 'disk', 10)}${busy}${mark}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Text for the skipped hosts, one line each, or '' when none. */
export function formatSkipped(skipped: SkippedHost[]): string {
  return skipped.map((s) => `note: ${s.host} left out: ${s.reason}\n`).join('');
}
