import { CLOSED_WINDOW, GIVE_UP_FACTOR, parseProbeRecord, ProbeTracker, type ProbeOutcome, type ProbeRecord } from './probe-tracker';

const kinds = (outcomes: ProbeOutcome[]) => outcomes.map((o) => o.kind);

function sendAll(t: ProbeTracker, partition: number, n: number, at = 0): ProbeRecord[] {
  return Array.from({ length: n }, (_, i) => t.send(partition, 1, at + i));
}

describe('kafka > probe tracker', () => {
  test('in order, once each: received, with latency from the send', () => {
    const t = new ProbeTracker('r');
    const [a, b] = sendAll(t, 0, 2, 1000);
    expect(t.acknowledged(a, 1010)).toEqual([{ kind: 'acknowledged', partition: 0, broker: 1, latencyMs: 10 }]);
    expect(t.received(a, 1020)).toEqual([{ kind: 'received', partition: 0, broker: 1, latencyMs: 20 }]);
    t.acknowledged(b, 1015);
    expect(kinds(t.received(b, 1030))).toEqual(['received']);
    expect(t.pendingCount()).toBe(0);
    expect(t.expire(1_000_000, 5000)).toEqual([]);
  });

  test('received 0, 2, 1, 2: one out of order (1 after 2), one duplicated (2 again)', () => {
    const t = new ProbeTracker('r');
    const r = sendAll(t, 0, 3);
    r.forEach((x) => t.acknowledged(x, 5));
    expect([r[0], r[2], r[1], r[2]].map((x) => kinds(t.received(x, 10)))).toEqual([['received'], ['received'], ['received', 'out-of-order'], ['duplicated']]);
  });

  test('acknowledged and never received: lost once the timeout has passed since the ack, not before', () => {
    const t = new ProbeTracker('r');
    const [a] = sendAll(t, 2, 1);
    t.acknowledged(a, 100);
    expect(t.expire(100 + 4999, 5000)).toEqual([]);
    expect(t.expire(100 + 5000, 5000)).toEqual([{ kind: 'lost', partition: 2, broker: 1 }]);
    expect(t.expire(100 + 9000, 5000)).toEqual([]);
    expect(t.pendingCount()).toBe(0);
  });

  test('acknowledged at offset 7: late, not lost, while the consumer has not read past 7; lost once it has', () => {
    const t = new ProbeTracker('r');
    const [a] = sendAll(t, 0, 1);
    t.acknowledged(a, 0, 7);
    t.consumedOffset(0, 6);
    expect(t.expire(5000, 5000)).toEqual([]);
    t.consumedOffset(0, 7);
    expect(t.expire(5000, 5000)).toEqual([]);
    t.consumedOffset(0, 8);
    expect(kinds(t.expire(5000, 5000))).toEqual(['lost']);
  });

  test('a consumer stalled before the offset: given up as lost after GIVE_UP_FACTOR timeouts, and arriving later it is received', () => {
    const t = new ProbeTracker('r');
    const [a] = sendAll(t, 0, 1);
    t.acknowledged(a, 0, 7);
    expect(t.expire(GIVE_UP_FACTOR * 5000 - 1, 5000)).toEqual([]);
    expect(kinds(t.expire(GIVE_UP_FACTOR * 5000, 5000))).toEqual(['lost']);
    expect(kinds(t.received(a, GIVE_UP_FACTOR * 5000 + 1))).toEqual(['received']);
  });

  test('a send that failed is never lost; one still in flight is not lost either', () => {
    const t = new ProbeTracker('r');
    const [a, b] = sendAll(t, 0, 2);
    expect(t.failed(a)).toEqual([{ kind: 'failed', partition: 0, broker: 1 }]);
    expect(t.inFlight(0)).toBe(1);
    expect(t.expire(1_000_000, 5000)).toEqual([]);
    expect(t.pendingCount()).toBe(1);
    t.failed(b);
    expect(t.pendingCount()).toBe(0);
  });

  test('a failed or lost record that arrives after all is received once, then a copy is a duplicate', () => {
    const t = new ProbeTracker('r');
    const [a, b] = sendAll(t, 0, 2);
    t.failed(a);
    t.acknowledged(b, 1);
    t.expire(10_000, 5000);
    expect(kinds(t.received(a, 20_000))).toEqual(['received']);
    expect(kinds(t.received(b, 20_000))).toEqual(['received']);
    expect(kinds(t.received(a, 20_001))).toEqual(['duplicated']);
  });

  test('received before its ack: received, and the late ack does not make it pending again', () => {
    const t = new ProbeTracker('r');
    const [a] = sendAll(t, 0, 1);
    expect(kinds(t.received(a, 5))).toEqual(['received']);
    expect(kinds(t.acknowledged(a, 6))).toEqual(['acknowledged']);
    expect(t.pendingCount()).toBe(0);
    expect(t.expire(1_000_000, 1)).toEqual([]);
  });

  test('an offset read again (a consumer restarted from its last commit) is not a duplicate; the same record at another offset is', () => {
    const t = new ProbeTracker('r');
    const [a] = sendAll(t, 0, 1);
    expect(kinds(t.received(a, 1, 9))).toEqual(['received']);
    t.consumedOffset(0, 9);
    expect(t.received(a, 2, 9)).toEqual([]);
    expect(kinds(t.received(a, 3, 10))).toEqual(['duplicated']);
  });

  test('records of another run or of seqs never sent are ignored', () => {
    const t = new ProbeTracker('r');
    const [a] = sendAll(t, 0, 1);
    expect(t.received({ ...a, run: 'other' }, 1)).toEqual([]);
    expect(t.received({ ...a, seq: 7 }, 1)).toEqual([]);
    expect(t.received({ ...a, partition: 9 }, 1)).toEqual([]);
  });

  test('partitions are counted apart', () => {
    const t = new ProbeTracker('r');
    const p0 = t.send(0, 1, 0);
    const p1 = t.send(1, 2, 0);
    expect(p1.seq).toBe(0);
    t.received(p1, 1);
    expect(kinds(t.received(p0, 2))).toEqual(['received']);
  });

  test('memory stays bounded: settled seqs beyond the window are forgotten, an old copy is still a duplicate', () => {
    const t = new ProbeTracker('r');
    const first = t.send(0, 1, 0);
    t.received(first, 1);
    for (let i = 1; i < 5 * CLOSED_WINDOW; i++) t.received(t.send(0, 1, i), i + 1);
    expect(t.pendingCount()).toBe(0);
    expect(t.closedCount()).toBeLessThanOrEqual(2 * CLOSED_WINDOW);
    expect(kinds(t.received(first, 1e9))).toEqual(['duplicated']);
  });

  test.each<[string, ProbeRecord | undefined]>([
    ['{"run":"r","partition":1,"seq":2,"sentAt":3,"broker":4}', { run: 'r', partition: 1, seq: 2, sentAt: 3, broker: 4 }],
    ['{"run":"r","partition":"1","seq":2,"sentAt":3,"broker":4}', undefined],
    ['{"run":"r","partition":1,"seq":2.5,"sentAt":3,"broker":4}', undefined],
    ['not json', undefined],
    ['{"producer":"pi-1","seq":1}', undefined],
  ])('parse %s', (text, expected) => {
    expect(parseProbeRecord(Buffer.from(text))).toEqual(expected);
  });
});
