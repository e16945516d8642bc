import { planProbePartitions } from './probe';

describe('kafka > probe topic layout', () => {
  test.each<[string, number[], Array<{ partition: number; replicas: number[] }>, number, number[][]]>([
    ['three brokers, no topic yet: one partition led by each', [1, 2, 3], [], 3, [[1, 2, 3], [2, 3, 1], [3, 1, 2]]],
    ['a fourth broker joins: one partition led by it', [1, 2, 3, 4], [{ partition: 0, replicas: [1, 2, 3] }, { partition: 1, replicas: [2, 3, 1] }, { partition: 2, replicas: [3, 1, 2] }], 3, [[4, 1, 2]]],
    ['in shape: nothing to add', [1, 2, 3], [{ partition: 0, replicas: [1, 2, 3] }, { partition: 1, replicas: [2, 3, 1] }, { partition: 2, replicas: [3, 1, 2] }], 3, []],
    ['one broker: RF 1', [5], [], 3, [[5]]],
    ['two brokers, unsorted ids: RF 2', [7, 2], [], 3, [[2, 7], [7, 2]]],
    ['a broker gone from the cluster keeps its partition; none added for it', [1, 2], [{ partition: 0, replicas: [1, 2] }, { partition: 1, replicas: [3, 1] }], 2, [[2, 1]]],
  ])('%s', (_name, brokers, existing, rf, expected) => {
    expect(planProbePartitions(brokers, existing, rf)).toEqual(expected);
  });
});
