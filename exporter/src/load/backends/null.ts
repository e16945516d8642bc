import type { Reading } from '../reading';
import { classifyCommonError, type Backend } from './backend';

/** No I/O: every write succeeds at once. Measures the generator's own ceiling. */
export function createNullBackend(batchSize = 1): Backend {
  return {
    name: 'null',
    target: 'null',
    batchSize,
    info: {},
    connect: async () => undefined,
    write: (_batch: Reading[]) => Promise.resolve(undefined),
    classifyError: (err) => classifyCommonError(err) ?? 'other',
    close: async () => undefined,
  };
}
