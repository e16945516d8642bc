import type { ClusterSnapshot, PartitionState } from './snapshot';

/** What changed for one partition between two consecutive metadata polls. */
export interface PartitionChange {
  topic: string;
  partition: number;
  /** A replica left the ISR (counted once per poll, however many left). */
  isrShrink: boolean;
  /** A replica joined the ISR (counted once per poll). A swap {1,2} -> {1,3} is both. */
  isrExpand: boolean;
  /** The leader differs, including going offline (-> -1) and coming back (-1 -> n). */
  leaderChange: boolean;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * Previous vs next snapshot -> the partitions that changed. Partitions new in `next` (or every partition
 * when `previous` is empty, i.e. the first poll) have no history and produce no change.
 *
 *   ISR {1,2,3} -> {1,3}, leader 1 -> 1  => shrink
 *   ISR {1,3}   -> {1,2,3}, leader 1 -> 3 => expand + leader change
 */
export function diffSnapshots(previous: ClusterSnapshot, next: ClusterSnapshot): PartitionChange[] {
  const before = new Map<string, PartitionState>();
  for (const t of previous.topics) for (const p of t.partitions) before.set(partitionKey(p.topic, p.partition), p);
  const changes: PartitionChange[] = [];
  for (const t of next.topics) {
    for (const p of t.partitions) {
      const old = before.get(partitionKey(p.topic, p.partition));
      if (!old) continue;
      const oldIsr = new Set(old.isr);
      const newIsr = new Set(p.isr);
      const isrShrink = old.isr.some((id) => !newIsr.has(id));
      const isrExpand = p.isr.some((id) => !oldIsr.has(id));
      const leaderChange = old.leader !== p.leader;
      if (isrShrink || isrExpand || leaderChange) changes.push({ topic: p.topic, partition: p.partition, isrShrink, isrExpand, leaderChange });
    }
  }
  return changes;
}

export interface PartitionCounters {
  isrShrinks: number;
  isrExpands: number;
  leaderChanges: number;
}

/**
 * Next counter table: every partition of `next` present (0 when new), changes added, partitions gone from
 * `next` forgotten (a deleted topic's series disappear instead of staying forever). Pure: returns a new map.
 */
export function toCounters(
  previous: ReadonlyMap<string, PartitionCounters>,
  next: ClusterSnapshot,
  changes: readonly PartitionChange[],
): Map<string, PartitionCounters> {
  const out = new Map<string, PartitionCounters>();
  for (const t of next.topics) {
    for (const p of t.partitions) {
      const key = partitionKey(p.topic, p.partition);
      const c = previous.get(key);
      out.set(key, c ? { ...c } : { isrShrinks: 0, isrExpands: 0, leaderChanges: 0 });
    }
  }
  for (const change of changes) {
    const c = out.get(partitionKey(change.topic, change.partition));
    if (!c) continue;
    if (change.isrShrink) c.isrShrinks++;
    if (change.isrExpand) c.isrExpands++;
    if (change.leaderChange) c.leaderChanges++;
  }
  return out;
}
