import { ApiException } from '@kubernetes/client-node';
import { Unavailable } from '@flow-like/core';
import { systemClock, type Clock, type TokenBucket } from './tokenBucket.js';

/**
 * Every call the launcher makes to the API server goes through here: one
 * token from the shared bucket per try, and throttling (429), server errors
 * (5xx) and lost connections retried with capped exponential backoff and
 * jitter, honouring `Retry-After`. Anything else is the caller's to handle.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 10_000 };

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** API errors worth another try; an error without an HTTP status is a connection problem. */
export function isRetryable(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || RETRYABLE_STATUS.has(status);
}

function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const headers = error.headers as Record<string, string | undefined>;
  const seconds = Number(headers['retry-after'] ?? headers['Retry-After']);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Delay before try number `attempt + 1` (attempt counts from 1): full jitter under an exponential cap, never shorter than Retry-After. */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const backoff = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(backoff, retryAfterMs(error) ?? 0);
}

export function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = error.body;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    try {
      const status = JSON.parse(text) as { message?: unknown };
      if (typeof status.message === 'string') return `${error.code}: ${status.message}`;
    } catch {
      // not a Status body: the raw text says more than nothing
    }
    return `${error.code}: ${text.slice(0, 300)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export interface ApiCaller {
  /** run `request` under the rate limit, retrying what is worth retrying; gives up with `Unavailable` */
  <T>(what: string, request: () => Promise<T>): Promise<T>;
}

export function createApiCaller(bucket: TokenBucket, policy: RetryPolicy = DEFAULT_RETRY_POLICY, clock: Clock = systemClock): ApiCaller {
  return async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      await bucket.take();
      try {
        return await request();
      } catch (error) {
        if (!isRetryable(error)) throw error;
        if (attempt >= policy.maxAttempts) throw new Unavailable('kubernetes', `${what} failed ${attempt} times, last: ${describeApiError(error)}`);
        await clock.sleep(retryDelayMs(error, attempt, policy));
      }
    }
  };
}
