import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rateLimit.js';

describe('token bucket per caller', () => {
  it('lets a burst through, then refuses with the seconds until the next token', () => {
    let now = 0;
    const take = createRateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([take('a'), take('a'), take('a')]).toEqual([0, 0, 0]);
    expect(take('a')).toBe(1);
    now += 500;
    expect(take('a')).toBe(0);
    expect(take('a')).toBe(1);
  });

  it('keeps callers apart', () => {
    const take = createRateLimiter({ perSecond: 1, burst: 1 }, () => 0);
    expect(take('a')).toBe(0);
    expect(take('a')).toBeGreaterThan(0);
    expect(take('b')).toBe(0);
  });

  it('refills no further than the burst after a long pause', () => {
    let now = 0;
    const take = createRateLimiter({ perSecond: 10, burst: 2 }, () => now);
    take('a');
    now += 60_000;
    expect([take('a'), take('a'), take('a')]).toEqual([0, 0, 1]);
  });

  it('asks a slow-rate caller to wait several seconds', () => {
    const take = createRateLimiter({ perSecond: 0.25, burst: 1 }, () => 0);
    take('a');
    expect(take('a')).toBe(4);
  });
});
