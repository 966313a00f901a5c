import type { BackoffPolicy } from './stepParams.js';

/** The pause after the `failedTry`-th failure: exponential, capped. */
export function backoffCeilingMs(policy: BackoffPolicy, failedTry: number): number {
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, failedTry - 1));
}

/**
 * Exponential backoff with equal jitter: half of the pause fixed, half random,
 * so executions failing together do not all come back at the same moment.
 */
export function jitteredBackoffMs(policy: BackoffPolicy, failedTry: number, random: () => number): number {
  const ceiling = backoffCeilingMs(policy, failedTry);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
