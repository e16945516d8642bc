import { diffSnapshots, partitionKey, toCounters, type PartitionChange } from './diff';
import { emptyClusterSnapshot } from './snapshot';
import { createPartition as p, createSnapshot as snap } from './factories.test-helpers';

describe('kafka > diff', () => {
  const cases: Array<[string, ReturnType<typeof p>, ReturnType<typeof p>, Omit<PartitionChange, 'topic' | 'partition'> | undefined]> = [
    ['no change', p('t', 0, 1, [1, 2, 3]), p('t', 0, 1, [1, 2, 3]), undefined],
    ['ISR order only', p('t', 0, 1, [1, 2, 3], [3, 2, 1]), p('t', 0, 1, [1, 2, 3], [1, 2, 3]), undefined],
    ['shrink by one', p('t', 0, 1, [1, 2, 3]), p('t', 0, 1, [1, 2, 3], [1, 3]), { isrShrink: true, isrExpand: false, leaderChange: false }],
    ['shrink by two counts once', p('t', 0, 1, [1, 2, 3]), p('t', 0, 1, [1, 2, 3], [1]), { isrShrink: true, isrExpand: false, leaderChange: false }],
    ['expand', p('t', 0, 1, [1, 2, 3], [1]), p('t', 0, 1, [1, 2, 3]), { isrShrink: false, isrExpand: true, leaderChange: false }],
    ['swap is shrink and expand', p('t', 0, 1, [1, 2, 3], [1, 2]), p('t', 0, 1, [1, 2, 3], [1, 3]), { isrShrink: true, isrExpand: true, leaderChange: false }],
    ['failover', p('t', 0, 1, [1, 2, 3]), p('t', 0, 2, [1, 2, 3], [2, 3]), { isrShrink: true, isrExpand: false, leaderChange: true }],
    ['goes offline', p('t', 0, 1, [1, 2]), p('t', 0, -1, [1, 2], []), { isrShrink: true, isrExpand: false, leaderChange: true }],
    ['comes back', p('t', 0, -1, [1, 2], []), p('t', 0, 2, [1, 2], [2]), { isrShrink: false, isrExpand: true, leaderChange: true }],
    ['leader only', p('t', 0, 1, [1, 2]), p('t', 0, 2, [1, 2]), { isrShrink: false, isrExpand: false, leaderChange: true }],
  ];
  it.each(cases)('%s', (_name, before, after, expected) => {
    const changes = diffSnapshots(snap([before]), snap([after]));
    expect(changes).toEqual(expected ? [{ topic: 't', partition: 0, ...expected }] : []);
  });

  it('reports nothing for partitions without history (first poll, new partition)', () => {
    expect(diffSnapshots(emptyClusterSnapshot(), snap([p('t', 0, 1, [1])]))).toEqual([]);
    expect(diffSnapshots(snap([p('t', 0, 1, [1])]), snap([p('t', 0, 1, [1]), p('t', 1, 2, [2], [])]))).toEqual([]);
  });

  it('keeps counters across polls, starts new partitions at 0 and forgets deleted ones', () => {
    const s1 = snap([p('a', 0, 1, [1, 2]), p('b', 0, 1, [1, 2])]);
    let counters = toCounters(new Map(), s1, []);
    expect(counters.get(partitionKey('a', 0))).toEqual({ isrShrinks: 0, isrExpands: 0, leaderChanges: 0 });
    const s2 = snap([p('a', 0, 2, [1, 2], [2]), p('b', 0, 1, [1, 2])]);
    counters = toCounters(counters, s2, diffSnapshots(s1, s2));
    const s3 = snap([p('a', 0, 2, [1, 2]), p('c', 0, 1, [1])]);
    const before = counters;
    counters = toCounters(counters, s3, diffSnapshots(s2, s3));
    expect(Object.fromEntries(counters)).toEqual({
      [partitionKey('a', 0)]: { isrShrinks: 1, isrExpands: 1, leaderChanges: 1 },
      [partitionKey('c', 0)]: { isrShrinks: 0, isrExpands: 0, leaderChanges: 0 },
    });
    expect(before.get(partitionKey('a', 0))).toEqual({ isrShrinks: 1, isrExpands: 0, leaderChanges: 1 });
  });
});
