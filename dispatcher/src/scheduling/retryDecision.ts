import { jitteredBackoffMs, type TerminalStatus } from '@flow-like/core';
import type { RunFailureReason } from '../launcher.js';

/** Why an attempt ended without the executor recording an ending. */
export type LossReason = RunFailureReason | 'HeartbeatLost' | 'DispatcherStopped';

/**
 * Only losses of the infrastructure can succeed on a second try. A workflow's
 * own error never reaches here: the executor records it, or queues the next
 * attempt itself when the workflow's retry policy asks for one. Deadline,
 * memory, image and cancel are final.
 */
const RETRYABLE: ReadonlySet<LossReason> = new Set<LossReason>(['PodLost', 'Evicted', 'ExecutorCrashed', 'LaunchFailed', 'HeartbeatLost', 'DispatcherStopped']);

export interface LossFacts {
  reason: LossReason;
  attempt: number;
  maxAttempts: number;
  /** the executor had claimed the attempt, so the workflow body may have run */
  claimed: boolean;
}

export interface RetrySettings {
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * extra attempts for launches lost before the executor claimed them: the
   * body never ran, so they do not use up the execution's own attempts
   */
  unclaimedAllowance: number;
}

export type LossDecision = { retry: true; delayMs: number } | { retry: false; status: TerminalStatus };

/** How an attempt that will not be retried ends: its deadline and a cancel keep their own meaning. */
function finalStatus(reason: LossReason): TerminalStatus {
  if (reason === 'DeadlineExceeded') return 'timed_out';
  if (reason === 'Cancelled') return 'cancelled';
  return 'failed';
}

/** Doubling backoff with equal jitter, so retrying replicas spread out. */
export function retryDelayMs(attempt: number, settings: RetrySettings, random: () => number): number {
  return jitteredBackoffMs({ initialMs: settings.baseDelayMs, factor: 2, maxMs: settings.maxDelayMs }, attempt, random);
}

export function decideAfterLoss(facts: LossFacts, settings: RetrySettings, random: () => number = Math.random): LossDecision {
  const budget = facts.claimed ? facts.maxAttempts : facts.maxAttempts + settings.unclaimedAllowance;
  if (!RETRYABLE.has(facts.reason) || facts.attempt >= budget) return { retry: false, status: finalStatus(facts.reason) };
  return { retry: true, delayMs: retryDelayMs(facts.attempt, settings, random) };
}
