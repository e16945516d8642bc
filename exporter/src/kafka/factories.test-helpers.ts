import type { ClusterSnapshot, PartitionState, TopicState } from './snapshot';

/** Test factories: a partition / a snapshot from compact literals. */
export function createPartition(topic: string, partition: number, leader: number, replicas: number[], isr: number[] = replicas, minIsr = 1): PartitionState {
  return { topic, partition, leader, replicas, isr, minIsr };
}

export function createSnapshot(partitions: PartitionState[], overrides: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  const topics = new Map<string, PartitionState[]>();
  for (const p of partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p]);
  const brokerIds = [...new Set(partitions.flatMap((p) => p.replicas))].sort((a, b) => a - b);
  return {
    takenAt: 1000,
    brokers: brokerIds.map((id) => ({ id, host: '127.0.0.1', port: 9090 + id, reachable: true })),
    controllerId: 1,
    topics: [...topics.entries()].map(([name, ps]): TopicState => ({ name, partitions: ps })),
    droppedPartitions: 0,
    ...overrides,
  };
}
