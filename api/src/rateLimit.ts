import { createMiddleware } from 'hono/factory';
import { TooManyRequests } from '@flow-like/core';
import type { AuthVariables } from './auth.js';

export interface RateLimitSettings {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets keyed by caller: `burst` requests at once, refilled at
 * `perSecond`. Returns 0 when a request may pass, else the seconds until it may.
 * Per replica: with N replicas behind a balancer a key gets up to N times the rate.
 */
export function createRateLimiter(settings: RateLimitSettings, now: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  const sweepEvery = 10_000;
  let nextSweep = now() + sweepEvery;

  const sweep = (at: number) => {
    // a bucket that would be full again carries no information
    const fullAfterMs = (settings.burst / settings.perSecond) * 1000;
    for (const [key, bucket] of buckets) if (at - bucket.updatedAt > fullAfterMs) buckets.delete(key);
    nextSweep = at + sweepEvery;
  };

  return (key: string): number => {
    const at = now();
    if (at >= nextSweep) sweep(at);
    const bucket = buckets.get(key) ?? { tokens: settings.burst, updatedAt: at };
    bucket.tokens = Math.min(settings.burst, bucket.tokens + ((at - bucket.updatedAt) / 1000) * settings.perSecond);
    bucket.updatedAt = at;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / settings.perSecond));
  };
}

/** Per API key; the operator token has a bucket of its own. */
export function rateLimit(settings: RateLimitSettings) {
  const take = createRateLimiter(settings);
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const principal = c.get('principal');
    const retryAfter = take(principal.kind === 'admin' ? 'admin' : principal.keyId);
    if (retryAfter > 0) throw new TooManyRequests(`rate limit of ${settings.perSecond} requests per second exceeded`, retryAfter);
    return next();
  });
}
