import { toError } from '@flow-like/core';

export interface RetryPolicy {
  /** give up once this much time has passed since the first try */
  forMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_STORE_RETRY: RetryPolicy = { forMs: 60_000, initialDelayMs: 200, maxDelayMs: 5_000 };

export interface RetryHooks {
  /** hears every failed try that will be tried again */
  onRetry?(error: Error, delayMs: number): void;
  now?(): number;
}

/**
 * Try an operation against a store (S3, Postgres) until it works or the
 * policy's time is up, doubling the pause each time. The last error is thrown
 * when time runs out, so callers can tell "stored" from "could not store".
 * `isPermanent` errors (a fenced write, a bad request) are thrown at once.
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  isPermanent: (error: Error) => boolean = () => false,
  hooks: RetryHooks = {},
): Promise<T> {
  const now = hooks.now ?? Date.now;
  const giveUpAt = now() + policy.forMs;
  for (let delay = policy.initialDelayMs; ; delay = Math.min(policy.maxDelayMs, delay * 2)) {
    try {
      return await operation();
    } catch (caught) {
      const error = toError(caught);
      const wait = Math.min(delay, giveUpAt - now());
      if (isPermanent(error) || wait <= 0) throw error;
      hooks.onRetry?.(error, wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
