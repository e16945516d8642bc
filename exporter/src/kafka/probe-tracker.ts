/**
 * The probe's bookkeeping, pure: which probe records were sent, acknowledged, received, and what that makes
 * of each one. No I/O and no clock of its own (times are passed in), so every rule is a table test.
 *
 * A record is identified by (run, partition, seq): `run` is random per exporter start, so records of an
 * earlier run or of another exporter sharing the topic are ignored; `seq` counts per partition from 0.
 *
 *   sent 0,1,2 on p0; acked 0,1,2; received 0, 2, 1, 2   -> received 3, out of order 1 (1 after 2), duplicated 1
 *   sent 3, acked 3 at offset 7, consumer read offset 8, not 3 -> lost 1 once expire(t >= acked + timeout)
 *   sent 3, acked 3 at offset 7, consumer stalled at offset 5    -> late, not lost (pending) until it reads
 *                                                                   past 7, or GIVE_UP_FACTOR x timeout passes
 *   sent 4, send failed                                   -> failed 1 (never lost: it was not acknowledged)
 *   sent 5, not acked yet, received (the ack is late)     -> received 1; the late ack is not counted as lost
 *   received seq 6 at offset 9, then offset 9 again       -> nothing: the consumer re-read it (not a duplicate)
 */

export type ProbeOutcome =
  | { kind: 'acknowledged'; partition: number; broker: number; latencyMs: number }
  | { kind: 'failed'; partition: number; broker: number }
  | { kind: 'received'; partition: number; broker: number; latencyMs: number }
  | { kind: 'duplicated'; partition: number; broker: number }
  | { kind: 'out-of-order'; partition: number; broker: number }
  | { kind: 'lost'; partition: number; broker: number };

interface Pending {
  broker: number;
  sentAt: number;
  /** When the send was acknowledged; undefined while in flight. */
  ackedAt?: number;
  /** Its offset in the partition, from the acknowledgement (when the client said). */
  offset?: number;
}

/** An acknowledged record the consumer has not read past is given up as lost after this many timeouts. */
export const GIVE_UP_FACTOR = 30;

interface PartitionBook {
  nextSeq: number;
  /** Sent and not yet received (nor failed, nor lost), by seq. */
  pending: Map<number, Pending>;
  /** Highest seq received so far (-1: none). */
  highest: number;
  /** Highest offset the consumer has read on the partition (-1: none), probe record or not. */
  consumed: number;
  /** What became of the last CLOSED_WINDOW seqs: a second copy of a received one is a duplicate. */
  closed: Map<number, 'received' | 'lost' | 'failed'>;
}

/** Seqs remembered per partition after they are settled (~1 h at one record per second). */
export const CLOSED_WINDOW = 4096;

/** The record a probe sends, as JSON in the value. */
export interface ProbeRecord {
  run: string;
  partition: number;
  seq: number;
  /** Epoch ms at the send. */
  sentAt: number;
  /** Leader of the partition at the send. */
  broker: number;
}

/** Parses a consumed value; undefined for anything that is not a probe record (never throws). */
export function parseProbeRecord(value: Buffer | null | undefined): ProbeRecord | undefined {
  if (!value || value.length > 1024) return undefined;
  try {
    const r = JSON.parse(value.toString('utf8')) as Partial<ProbeRecord>;
    if (typeof r.run !== 'string' || !Number.isInteger(r.partition) || !Number.isInteger(r.seq) || typeof r.sentAt !== 'number' || !Number.isInteger(r.broker)) {
      return undefined;
    }
    return { run: r.run, partition: Number(r.partition), seq: Number(r.seq), sentAt: r.sentAt, broker: Number(r.broker) };
  } catch {
    return undefined;
  }
}

export class ProbeTracker {
  private readonly books = new Map<number, PartitionBook>();

  constructor(readonly run: string) {}

  private book(partition: number): PartitionBook {
    let b = this.books.get(partition);
    if (!b) {
      b = { nextSeq: 0, pending: new Map(), highest: -1, consumed: -1, closed: new Map() };
      this.books.set(partition, b);
    }
    return b;
  }

  /** A new record for `partition`, led by `broker`, sent at `now`: the record to send. */
  send(partition: number, broker: number, now: number): ProbeRecord {
    const b = this.book(partition);
    const seq = b.nextSeq++;
    b.pending.set(seq, { broker, sentAt: now });
    return { run: this.run, partition, seq, sentAt: now, broker };
  }

  /** The send of `record` was acknowledged at `now`, at `offset` when the client said. */
  acknowledged(record: ProbeRecord, now: number, offset?: number): ProbeOutcome[] {
    const p = this.books.get(record.partition)?.pending.get(record.seq);
    if (p) {
      p.ackedAt = now;
      p.offset = offset;
    }
    return [{ kind: 'acknowledged', partition: record.partition, broker: record.broker, latencyMs: now - record.sentAt }];
  }

  /** The send of `record` failed (error or timeout): it is no longer awaited (unless it arrived already). */
  failed(record: ProbeRecord): ProbeOutcome[] {
    const b = this.books.get(record.partition);
    if (b?.pending.delete(record.seq)) this.close(b, record.seq, 'failed');
    return [{ kind: 'failed', partition: record.partition, broker: record.broker }];
  }

  /** The consumer read `offset` of `partition` (any record: the probe's own, another run's, garbage). */
  consumedOffset(partition: number, offset: number): void {
    const b = this.books.get(partition);
    if (b && offset > b.consumed) b.consumed = offset;
  }

  /** A record consumed at `now`: received (once), duplicated or out of order; another run's records are ignored. */
  received(record: ProbeRecord, now: number, offset?: number): ProbeOutcome[] {
    if (record.run !== this.run) return [];
    const b = this.books.get(record.partition);
    if (!b || record.seq >= b.nextSeq) return [];
    // the consumer reading an offset again (a rebalance, a restart from the last commit) is no duplicate: a
    // duplicate is the same record at another offset (a producer retry)
    if (offset !== undefined && offset <= b.consumed) return [];
    const { partition, broker, seq } = record;
    const state = b.closed.get(seq);
    if (state === 'received' || (state === undefined && !b.pending.has(seq))) return [{ kind: 'duplicated', partition, broker }];
    // first copy: awaited, or given up as lost or failed and arriving after all
    const out: ProbeOutcome[] = [{ kind: 'received', partition, broker, latencyMs: now - record.sentAt }];
    if (seq < b.highest) out.push({ kind: 'out-of-order', partition, broker });
    b.highest = Math.max(b.highest, seq);
    b.pending.delete(seq);
    this.close(b, seq, 'received');
    return out;
  }

  /**
   * Acknowledged records lost: `timeoutMs` after the ack, the consumer has read past the record's offset
   * without it (or the offset is unknown); or GIVE_UP_FACTOR x timeoutMs passed with the consumer stalled.
   * A stalled consumer makes records late (pending, with their end-to-end latency when they come), not lost.
   */
  expire(now: number, timeoutMs: number): ProbeOutcome[] {
    const out: ProbeOutcome[] = [];
    for (const [partition, b] of this.books) {
      for (const [seq, p] of b.pending) {
        if (p.ackedAt === undefined) continue;
        const age = now - p.ackedAt;
        const passed = p.offset === undefined || b.consumed > p.offset;
        if ((age >= timeoutMs && passed) || age >= GIVE_UP_FACTOR * timeoutMs) {
          b.pending.delete(seq);
          this.close(b, seq, 'lost');
          out.push({ kind: 'lost', partition, broker: p.broker });
        }
      }
    }
    return out;
  }

  /** Records sent (or acknowledged) and not yet received, failed or lost. */
  pendingCount(): number {
    let n = 0;
    for (const b of this.books.values()) n += b.pending.size;
    return n;
  }

  /** Sends still awaiting their acknowledgement on `partition`. */
  inFlight(partition: number): number {
    let n = 0;
    for (const p of this.books.get(partition)?.pending.values() ?? []) if (p.ackedAt === undefined) n++;
    return n;
  }

  /** Seqs settled on each partition and remembered (at most ~2 x CLOSED_WINDOW). */
  closedCount(): number {
    let n = 0;
    for (const b of this.books.values()) n += b.closed.size;
    return n;
  }

  private close(b: PartitionBook, seq: number, state: 'received' | 'lost' | 'failed'): void {
    b.closed.set(seq, state);
    if (b.closed.size <= 2 * CLOSED_WINDOW) return;
    const floor = b.nextSeq - CLOSED_WINDOW;
    for (const s of b.closed.keys()) if (s < floor) b.closed.delete(s);
  }
}
