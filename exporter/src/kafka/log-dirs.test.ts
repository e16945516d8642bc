import { decodeDescribeLogDirsResponse, describeLogDirsRequest, encodeDescribeLogDirsResponse, type LogDir } from './log-dirs';
import { renderLogDirFamilies } from './render';
import { toLogDirStates } from './snapshot';

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
