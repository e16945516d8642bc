import { reconcileAudit, SeqSet } from './audit';

function set(...seqs: number[]): SeqSet {
  const s = new SeqSet();
  for (const q of seqs) s.add(q);
  return s;
}

describe('load > audit', () => {
  test.each([
    ['nothing', [], [], { acknowledged: 0, found: 0, lost: 0, duplicated: 0, unacknowledgedPresent: 0 }],
    ['all found', [0, 1, 2], [[0, 1], [1, 1], [2, 1]], { acknowledged: 3, found: 3, lost: 0, duplicated: 0, unacknowledgedPresent: 0 }],
    ['worked example', [0, 1, 2], [[0, 1], [2, 2], [5, 1]], { acknowledged: 3, found: 3, lost: 1, duplicated: 1, unacknowledgedPresent: 1 }],
    ['all lost', [3, 4], [], { acknowledged: 2, found: 0, lost: 2, duplicated: 0, unacknowledgedPresent: 0 }],
    ['triplicate', [7], [[7, 3]], { acknowledged: 1, found: 1, lost: 0, duplicated: 2, unacknowledgedPresent: 0 }],
  ] as [string, number[], [number, number][], object][])('%s', (_name, acked, seen, expected) => {
    expect(reconcileAudit(set(...acked), new Map(seen))).toEqual(expected);
  });

  test('SeqSet grows, ignores repeats and lists values in order', () => {
    const s = set(5, 70000, 5, 0, 8191, 8192);
    expect(s.size).toBe(5);
    expect([...s.values()]).toEqual([0, 5, 8191, 8192, 70000]);
    expect([s.has(70000), s.has(70001), s.has(1e9)]).toEqual([true, false, false]);
  });
});
