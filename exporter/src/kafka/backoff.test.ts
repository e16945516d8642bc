import { backoffSeconds } from './backoff';

describe('kafka > backoff', () => {
  it.each([
    [0, 1],
    [1, 2],
    [4, 16],
    [5, 30],
    [50, 30],
  ])('attempt %i without jitter waits %i s', (attempt, seconds) => {
    expect(backoffSeconds(attempt, { initial: 1, max: 30, jitter: 0 })).toBe(seconds);
  });

  it.each([
    [0, 8],
    [0.5, 10],
    [1, 12],
  ])('jitter 0.2 with random %d spreads 10 s to %d s', (random, seconds) => {
    expect(backoffSeconds(1, { initial: 5, max: 60, jitter: 0.2 }, () => random)).toBeCloseTo(seconds, 9);
  });
});
