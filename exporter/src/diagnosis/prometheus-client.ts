import { PitowerConnectionError, errorMessage } from '../errors';
import type { PromSeries } from '@pitower/diagnosis';

export interface InstantQuery {
  /** Prometheus base URL, e.g. http://monitor:9090 or http://monitor/prometheus/ */
  url: string;
  expr: string;
  time: Date;
  timeoutMs: number;
}

/** `<url>/api/v1/query`, keeping a path prefix of the base URL. */
export function toQueryUrl(base: string, expr: string, time: Date): string {
  const params = new URLSearchParams({ query: expr, time: (time.getTime() / 1000).toFixed(3) });
  return `${base.replace(/\/+$/, '')}/api/v1/query?${params}`;
}

function reasonOf(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'no answer in time';
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `cannot connect (${cause.code})`;
  if (cause?.message) return `cannot connect (${cause.message})`;
  return `cannot connect (${errorMessage(err)})`;
}

/**
 * The HTTP edge: one instant query through global fetch with a timeout. An unreachable server or an answer
 * that is not the Prometheus API, or a query it rejects (a server limit), is a PitowerConnectionError
 * naming the URL: one line and exit 2 from the CLI.
 */
export async function readInstantQuery(q: InstantQuery): Promise<PromSeries[]> {
  const where = `Prometheus at ${q.url}`;
  let res: Response;
  try {
    res = await fetch(toQueryUrl(q.url, q.expr, q.time), {
      signal: AbortSignal.timeout(q.timeoutMs),
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    const reason = reasonOf(err);
    throw new PitowerConnectionError(`${where}: ${reason === 'no answer in time' ? `no answer within ${q.timeoutMs} ms` : reason}`, { cause: err });
  }
  let body: { status?: string; data?: { resultType?: string; result?: PromSeries[] }; error?: string };
  try {
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new PitowerConnectionError(`${where}: not a Prometheus API (HTTP ${res.status}, no JSON from /api/v1/query)`, { cause: err, retriable: false });
  }
  if (body.status === 'success' && body.data?.resultType === 'vector' && Array.isArray(body.data.result)) {
    return body.data.result;
  }
  if (body.status === 'error') {
    // A limit of that server (--query.max-samples, --query.timeout) or a proxy in front of it: its reason, one line.
    const expr = q.expr.replace(/\s+/g, ' ').trim();
    const shown = expr.length > 100 ? `${expr.slice(0, 100)}…` : expr;
    throw new PitowerConnectionError(`${where} rejected a query: ${body.error ?? `HTTP ${res.status}`} (query: ${shown})`, { retriable: false });
  }
  throw new PitowerConnectionError(`${where}: not a Prometheus API (HTTP ${res.status}, unexpected answer from /api/v1/query)`, { retriable: false });
}
