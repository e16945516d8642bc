import { toClusterSnapshot, toOffsetsSnapshot, type RawMetadata, type SnapshotOptions } from './snapshot';

const raw: RawMetadata = {
  brokers: [
    { nodeId: 2, host: 'b', port: 9092 },
    { nodeId: 1, host: 'a', port: 9092 },
  ],
  controllerId: 2,
  topicMetadata: [
    { topic: 'orders', partitionMetadata: [1, 0, 2].map((id) => ({ partitionId: id, leader: id === 2 ? -1 : 1, replicas: [1, 2], isr: [2, 1] })) },
    { topic: 'audit', partitionMetadata: [{ partitionId: 0, leader: 2, replicas: [2, 1], isr: [2] }] },
    { topic: 'broken', topicErrorCode: 3, partitionMetadata: [] },
    { topic: '__consumer_offsets', isInternal: true, partitionMetadata: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }] },
  ],
};
const base: SnapshotOptions = { topics: {}, maxPartitions: 0, minIsrDefault: 1, minIsr: new Map([['orders', 2]]) };

describe('kafka > snapshot', () => {
  it('sorts brokers, topics and partitions, sorts ISR, applies min ISR and leaves out topics with errors', () => {
    const s = toClusterSnapshot(raw, { ...base, reachable: new Map([[1, true]]) }, 5);
    expect(s.brokers).toEqual([
      { id: 1, host: 'a', port: 9092, reachable: true },
      { id: 2, host: 'b', port: 9092, reachable: undefined },
    ]);
    expect(s.controllerId).toBe(2);
    expect(s.topics.map((t) => t.name)).toEqual(['__consumer_offsets', 'audit', 'orders']);
    expect(s.topics[2].partitions).toEqual([
      { topic: 'orders', partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2], minIsr: 2 },
      { topic: 'orders', partition: 1, leader: 1, replicas: [1, 2], isr: [1, 2], minIsr: 2 },
      { topic: 'orders', partition: 2, leader: -1, replicas: [1, 2], isr: [1, 2], minIsr: 2 },
    ]);
    expect(s.topics[1].partitions[0].minIsr).toBe(1);
    expect(s.takenAt).toBe(5);
  });

  it.each([
    ['include', { include: /^or/ }, ['orders']],
    ['exclude', { exclude: /^__|audit/ }, ['orders']],
    ['both', { include: /s$/, exclude: /^__/ }, ['orders']],
    ['none', {}, ['__consumer_offsets', 'audit', 'orders']],
  ])('filters topics: %s', (_name, topics, names) => {
    expect(toClusterSnapshot(raw, { ...base, topics }, 0).topics.map((t) => t.name)).toEqual(names);
  });

  it.each([
    [0, 5, 0],
    [5, 5, 0],
    [3, 3, 2],
    [1, 1, 4],
  ])('caps at %i partitions: keeps %i, drops %i', (cap, kept, dropped) => {
    const s = toClusterSnapshot(raw, { ...base, maxPartitions: cap }, 0);
    expect(s.topics.reduce((n, t) => n + t.partitions.length, 0)).toBe(kept);
    expect(s.droppedPartitions).toBe(dropped);
  });

  it('computes lag never negative, counts clamps, and skips partitions without a committed offset', () => {
    const s = toOffsetsSnapshot(
      [
        { topic: 't', partition: 1, high: 10, low: 0 },
        { topic: 't', partition: 0, high: 5, low: 2 },
      ],
      [
        {
          id: 'g',
          members: 2,
          topics: [
            {
              topic: 't',
              partitions: [
                { partition: 0, offset: '3' },
                { partition: 1, offset: '12' },
                { partition: 2, offset: '-1' },
              ],
            },
            { topic: 'unknown', partitions: [{ partition: 0, offset: '4' }] },
          ],
        },
      ],
      9,
    );
    expect(s.partitions.map((p) => p.partition)).toEqual([0, 1]);
    expect(s.groups).toEqual([
      {
        id: 'g',
        members: 2,
        offsets: [
          { topic: 't', partition: 0, committed: 3, lag: 2, clamped: false },
          { topic: 't', partition: 1, committed: 12, lag: 0, clamped: true },
          { topic: 'unknown', partition: 0, committed: 4, lag: undefined, clamped: false },
        ],
      },
    ]);
  });

  it('lists every partition of a consumed topic, -1 where the group never committed (as kafka_exporter); a topic with no commit is left out', () => {
    const parts = [0, 1, 2].map((partition) => ({ topic: 't', partition, high: 10, low: 0 }));
    const s = toOffsetsSnapshot(
      [...parts, { topic: 'idle', partition: 0, high: 7, low: 0 }],
      [
        {
          id: 'g',
          topics: [
            { topic: 't', partitions: [{ partition: 1, offset: '4' }] },
            { topic: 'idle', partitions: [{ partition: 0, offset: '-1' }] },
          ],
        },
      ],
      9,
    );
    expect(s.groups[0].offsets).toEqual([
      { topic: 't', partition: 0, committed: -1, lag: -1, clamped: false },
      { topic: 't', partition: 1, committed: 4, lag: 6, clamped: false },
      { topic: 't', partition: 2, committed: -1, lag: -1, clamped: false },
    ]);
  });
});
