import { describe, expect, it } from 'vitest';
import { withRetry } from './retry.js';

const policy = { forMs: 1_000, initialDelayMs: 1, maxDelayMs: 4 };

describe('withRetry', () => {
  it('tries again until the operation works', async () => {
    let calls = 0;
    const delays: number[] = [];
    const value = await withRetry(
      async () => {
        if (++calls < 4) throw new Error('down');
        return 'stored';
      },
      policy,
      undefined,
      { onRetry: (_error, delayMs) => delays.push(delayMs) },
    );
    expect(value).toBe('stored');
    expect(delays).toEqual([1, 2, 4]);
  });

  it('throws the last error once its time is up', async () => {
    let now = 0;
    let calls = 0;
    const trying = withRetry(
      async () => {
        calls += 1;
        now += 400;
        throw new Error(`down ${calls}`);
      },
      { forMs: 1_000, initialDelayMs: 1, maxDelayMs: 1 },
      undefined,
      { now: () => now },
    );
    await expect(trying).rejects.toThrow('down 3');
  });

  it('does not retry a permanent error', async () => {
    let calls = 0;
    const failing = withRetry(
      async () => {
        calls += 1;
        throw new Error('fenced');
      },
      policy,
      (error) => error.message === 'fenced',
    );
    await expect(failing).rejects.toThrow('fenced');
    expect(calls).toBe(1);
  });
});
