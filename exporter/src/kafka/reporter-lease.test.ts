import { AssignerProtocol } from 'kafkajs';
import { chooseHolder, holdsLease, reporterAssigner } from './reporter-lease';

describe('kafka > reporter lease', () => {
  it.each([
    // assigned, last contact (ms before now), session timeout, holds
    [true, 0, 6000, true],
    [true, 3999, 6000, true], // 2/3 of the session: still certainly alive
    [true, 4000, 6000, false], // past 2/3: stop before the coordinator can hand the partition on
    [true, 10_000, 6000, false],
    [false, 0, 6000, false], // not assigned partition 0
    [true, -1, 6000, false], // never heard from the coordinator
  ])('assigned %p, last contact %p ms ago, session %p ms -> holds %p', (assigned, ago, session, holds) => {
    const now = 100_000;
    expect(holdsLease({ assigned, lastContactAt: ago < 0 ? 0 : now - ago }, now, session)).toBe(holds);
  });

  it.each([
    [[], undefined],
    [[{ memberId: 'b', holding: false }, { memberId: 'a', holding: false }], 'a'], // nobody holds it: the first by id
    [[{ memberId: 'a', holding: false }, { memberId: 'c', holding: true }, { memberId: 'b', holding: false }], 'c'], // sticky: a join does not move it
    [[{ memberId: 'c', holding: true }, { memberId: 'b', holding: true }], 'b'], // two claim it (a stale holder): one of them, by id
  ])('chooses the holder of %j -> %p', (members, holder) => {
    expect(chooseHolder(members)).toBe(holder);
  });

  it('assigns partition 0 to the holder through the kafkajs assigner protocol, and nothing to the others', async () => {
    let holding = false;
    const assigner = reporterAssigner(() => holding)({} as never);
    const meta = (h: boolean) => {
      holding = h;
      return assigner.protocol({ topics: ['lease'] }).metadata;
    };
    const members = [
      { memberId: 'm-a', memberMetadata: meta(false) },
      { memberId: 'm-b', memberMetadata: meta(true) },
      { memberId: 'm-c', memberMetadata: meta(false) },
    ];
    const out = await assigner.assign({ members, topics: ['lease'] });
    const decoded = Object.fromEntries(out.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment]));
    expect(decoded).toEqual({ 'm-a': {}, 'm-b': { lease: [0] }, 'm-c': {} });
  });
});
