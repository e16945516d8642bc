import { createBackoff, retryUntil, toBackoffDelay } from './retry';

describe('retry', () => {
  const options = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 };
  test.each([
    [0, 0.5, 100],
    [1, 0.5, 200],
    [3, 0.5, 800],
    [4, 0.5, 1000],
    [10, 0.5, 1000],
    [0, 0, 80],
    [0, 0.999999, 120],
    [4, 0.999999, 1000], // jitter never exceeds the cap
    [3, 0, 640],
  ])('attempt %p, random %p -> %p ms', (attempt, random, expected) => {
    expect(toBackoffDelay(attempt, options, random)).toBe(expected);
  });

  test('createBackoff counts attempts and resets', () => {
    const b = createBackoff(options, () => 0.5);
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  test('retryUntil retries until success', async () => {
    let n = 0;
    const value = await retryUntil(async () => {
      if (++n < 3) throw new Error('not yet');
      return 'ok';
    }, { deadlineMs: Date.now() + 5000, backoff: { initialMs: 1, maxMs: 2, factor: 2, jitter: 0 } });
    expect([value, n]).toEqual(['ok', 3]);
  });

  test('retryUntil gives up at the deadline with the last error', async () => {
    const started = Date.now();
    await expect(
      retryUntil(async () => {
        throw new Error('refused');
      }, { deadlineMs: Date.now() + 300, backoff: { initialMs: 50, maxMs: 50, factor: 1, jitter: 0 } }),
    ).rejects.toThrow('refused');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(450);
  });

  test('retryUntil does not retry a non-retriable error', async () => {
    let n = 0;
    await expect(
      retryUntil(async () => {
        n++;
        throw new Error('bad password');
      }, { deadlineMs: Date.now() + 5000, retriable: () => false }),
    ).rejects.toThrow('bad password');
    expect(n).toBe(1);
  });
});
