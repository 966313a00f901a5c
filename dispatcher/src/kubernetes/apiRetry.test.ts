import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Unavailable } from '@flow-like/core';
import { createApiCaller, isRetryable, retryDelayMs, type RetryPolicy } from './apiRetry.js';
import { manualClock } from './manualClock.test-support.js';
import { TokenBucket } from './tokenBucket.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };
const apiError = (code: number, headers: Record<string, string> = {}) => new ApiException(code, `HTTP ${code}`, '{"kind":"Status","message":"nope"}', headers);

describe('API retries', () => {
  it.each([
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [404, false],
    [409, false],
    [422, false],
  ])('status %i retryable: %s', (code, expected) => {
    expect(isRetryable(apiError(code))).toBe(expected);
  });

  it('treats a lost connection as retryable', () => {
    expect(isRetryable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it('backs off exponentially under a cap and never sooner than Retry-After', () => {
    const half = () => 0.5;
    expect(retryDelayMs(apiError(500), 1, policy, half)).toBe(75);
    expect(retryDelayMs(apiError(500), 3, policy, half)).toBe(300);
    expect(retryDelayMs(apiError(500), 10, policy, half)).toBe(750);
    expect(retryDelayMs(apiError(429, { 'retry-after': '2' }), 1, policy, half)).toBe(2_000);
  });

  it('retries until the request succeeds, sleeping between tries', async () => {
    const clock = manualClock();
    const call = createApiCaller(new TokenBucket(1_000, 1_000, clock), policy, clock);
    let tries = 0;
    const result = await call('thing', async () => {
      tries += 1;
      if (tries < 3) throw apiError(503);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(clock.slept).toHaveLength(2);
  });

  it('gives up after the last attempt with Unavailable, and does not retry a client error', async () => {
    const clock = manualClock();
    const call = createApiCaller(new TokenBucket(1_000, 1_000, clock), policy, clock);
    let tries = 0;
    await expect(
      call('create Job x', async () => {
        tries += 1;
        throw apiError(500);
      }),
    ).rejects.toBeInstanceOf(Unavailable);
    expect(tries).toBe(4);
    await expect(call('read Job x', async () => Promise.reject(apiError(404)))).rejects.toMatchObject({ code: 404 });
  });
});
