import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, jitteredBackoffMs } from './backoff.js';

const policy = { initialMs: 1_000, factor: 2, maxMs: 5_000 };

describe('backoff', () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 5_000],
    [10, 5_000],
  ])('after failure %i the pause is at most %i ms', (failedTry, ceiling) => {
    expect(backoffCeilingMs(policy, failedTry)).toBe(ceiling);
  });

  it('jitters between half the ceiling and the ceiling', () => {
    expect(jitteredBackoffMs(policy, 2, () => 0)).toBe(1_000);
    expect(jitteredBackoffMs(policy, 2, () => 1)).toBe(2_000);
    expect(jitteredBackoffMs(policy, 2, () => 0.5)).toBe(1_500);
  });
});
