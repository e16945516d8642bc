/**
 * The loss audit: which readings the generator saw acknowledged, reconciled with what the target holds.
 * `reconcileAudit` is pure; backends only read back the sequence numbers of one producer.
 */
export interface AuditResult {
  /** Readings the target acknowledged during the run. */
  acknowledged: number;
  /** Distinct readings of this run found in the target. */
  found: number;
  /** Acknowledged but not found: data loss. */
  lost: number;
  /** Extra copies found (found twice counts 1). */
  duplicated: number;
  /** Found although the write was not acknowledged (e.g. the reply was lost): not loss, but worth knowing. */
  unacknowledgedPresent: number;
  /** Cassandra: the consistency level the read-back used (the weakest, when replicas were down), and what it proves. */
  readAt?: 'all' | 'quorum' | 'one';
  readAtNote?: string;
  /** What the figures can prove when `lost` is not a broken guarantee (MQTT QoS 0: at most once). */
  note?: string;
}

/** A growable bitset of sequence numbers (seq counts from 0 within a run, so a bitset is compact). */
export class SeqSet {
  private bits = new Uint8Array(1024);
  private count = 0;

  add(seq: number): void {
    const byte = seq >> 3;
    if (byte >= this.bits.length) {
      let size = this.bits.length;
      while (size <= byte) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (seq & 7);
    if ((this.bits[byte] & mask) === 0) {
      this.bits[byte] |= mask;
      this.count++;
    }
  }

  has(seq: number): boolean {
    const byte = seq >> 3;
    return byte < this.bits.length && (this.bits[byte] & (1 << (seq & 7))) !== 0;
  }

  get size(): number {
    return this.count;
  }

  *values(): IterableIterator<number> {
    for (let byte = 0; byte < this.bits.length; byte++) {
      const v = this.bits[byte];
      if (v === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (v & (1 << bit)) yield byte * 8 + bit;
    }
  }
}

/**
 * Reconciles acknowledged sequence numbers with the ones read back (`seen`: seq -> number of copies).
 *
 *   acked {0,1,2}, seen {0:1, 2:2, 5:1}  ->  found 3, lost 1 (seq 1), duplicated 1 (seq 2), unacknowledgedPresent 1 (seq 5)
 */
export function reconcileAudit(acked: SeqSet, seen: Map<number, number>): AuditResult {
  let duplicated = 0;
  let unacknowledgedPresent = 0;
  let ackedFound = 0;
  for (const [seq, copies] of seen) {
    if (copies > 1) duplicated += copies - 1;
    if (acked.has(seq)) ackedFound++;
    else unacknowledgedPresent++;
  }
  return { acknowledged: acked.size, found: seen.size, lost: acked.size - ackedFound, duplicated, unacknowledgedPresent };
}
