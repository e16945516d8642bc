import { decodeDescribeLogDirsResponse, describeLogDirsRequest, encodeDescribeLogDirsResponse, timestampAt, type LogDir } from './broker-requests';
import { renderLogDirFamilies, renderOffsetFamilies } from './render';
import { lookupKey, toLogDirStates, toOffsetsSnapshot, toRecordLookups, withLagSeconds } from './snapshot';

const DIRS: LogDir[] = [
  {
    broker: 2,
    path: '/var/lib/kafka/data',
    errorCode: 0,
    replicas: [
      { topic: 'orders', partition: 1, sizeBytes: 4096, offsetLag: 0, isFuture: false },
      { topic: 'orders', partition: 0, sizeBytes: 8_589_934_592, offsetLag: 0, isFuture: false }, // past 2^32: int64 on the wire
      { topic: '__consumer_offsets', partition: 7, sizeBytes: 100, offsetLag: 0, isFuture: false },
    ],
  },
  { broker: 2, path: '/mnt/sd "2"', errorCode: 56, replicas: [] }, // KAFKA_STORAGE_ERROR: an offline dir
];

describe('kafka > log dirs (DescribeLogDirs v1)', () => {
  it('asks for every topic with a null topic array', () => {
    expect((describeLogDirsRequest() as unknown as { buffer: Buffer }).buffer).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  });

  it('decodes what a broker answers, int64 sizes included', () => {
    expect(decodeDescribeLogDirsResponse(2, encodeDescribeLogDirsResponse(DIRS))).toEqual(DIRS);
  });

  it('shows per-partition sizes of the kept topics only, the dir totals over all replicas, and offline dirs', () => {
    const states = toLogDirStates(DIRS, new Map([['orders', new Set([0, 1])]]));
    const out = Object.fromEntries(renderLogDirFamilies(states).map((f) => [f.name, f.body.split('\n').filter((l) => l !== '')]));
    expect(out).toEqual({
      pitower_kafka_log_dir_online: ['pitower_kafka_log_dir_online{broker="2",log_dir="/mnt/sd \\"2\\""} 0', 'pitower_kafka_log_dir_online{broker="2",log_dir="/var/lib/kafka/data"} 1'],
      pitower_kafka_log_dir_size_bytes: ['pitower_kafka_log_dir_size_bytes{broker="2",log_dir="/mnt/sd \\"2\\""} 0', 'pitower_kafka_log_dir_size_bytes{broker="2",log_dir="/var/lib/kafka/data"} 8589938788'],
      pitower_kafka_log_dir_partition_size_bytes: [
        'pitower_kafka_log_dir_partition_size_bytes{broker="2",log_dir="/var/lib/kafka/data",topic="orders",partition="0"} 8589934592',
        'pitower_kafka_log_dir_partition_size_bytes{broker="2",log_dir="/var/lib/kafka/data",topic="orders",partition="1"} 4096',
      ],
    });
  });
});

describe('kafka > lag in seconds', () => {
  it('finds the timestamp of the record at an offset, or of the first after it (compacted away)', () => {
    const batch = [
      { offset: '7', timestamp: '1700' },
      { offset: '9', timestamp: '1900' },
      { offset: '10', timestamp: '2000' },
    ];
    expect(timestampAt(batch, 9)).toBe(1900);
    expect(timestampAt(batch, 8)).toBe(1900);
    expect(timestampAt(batch, 11)).toBeUndefined();
  });

  const offsets = toOffsetsSnapshot(
    [
      { topic: 't', partition: 0, high: 10, low: 0 },
      { topic: 't', partition: 1, high: 5, low: 0 },
    ],
    [
      { id: 'behind', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '5' }] }] },
      { id: 'also', topics: [{ topic: 't', partitions: [{ partition: 0, offset: '8' }] }] },
    ],
    1000,
  );

  it('asks for the committed record and the newest one of each lagging partition, once each', () => {
    expect(toRecordLookups(offsets, 100)).toEqual([
      { topic: 't', partition: 0, offset: 3 },
      { topic: 't', partition: 0, offset: 8 },
      { topic: 't', partition: 0, offset: 9 }, // the newest record, shared by both groups
    ]);
    expect(toRecordLookups(offsets, 2)).toHaveLength(2);
  });

  it.each([
    // committed record ts, newest record ts -> lag seconds of group "behind" on t/0
    [1000, 7000, 6],
    [7000, 1000, 0], // producer clocks disagree: never negative
  ])('committed at %p ms, newest at %p ms -> %p s; no lag -> 0; a timestamp not read -> none', (committedAt, newestAt, seconds) => {
    const ts = new Map([
      [lookupKey({ topic: 't', partition: 0, offset: 3 }), committedAt],
      [lookupKey({ topic: 't', partition: 0, offset: 9 }), newestAt],
    ]);
    const out = withLagSeconds(offsets, ts);
    const of = (group: string, partition: number) => out.groups.find((g) => g.id === group)?.offsets.find((o) => o.partition === partition)?.lagSeconds;
    expect(of('behind', 0)).toBe(seconds);
    expect(of('behind', 1)).toBe(0);
    expect(of('also', 0)).toBeUndefined();
    const text = renderOffsetFamilies(out, new Map()).find((f) => f.name === 'kafka_consumer_lag_millis')?.body;
    expect(text).toBe(`kafka_consumer_lag_millis{consumergroup="behind",topic="t",partition="0"} ${seconds * 1000}\nkafka_consumer_lag_millis{consumergroup="behind",topic="t",partition="1"} 0`);
  });
});
