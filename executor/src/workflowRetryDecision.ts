import { jitteredBackoffMs, type ExecutionRetryPolicy } from '@flow-like/core';

export interface WorkflowFailureFacts {
  attempt: number;
  /** the execution's own budget, set from the retry policy of its version when it was submitted */
  maxAttempts: number;
  /** the retry policy of the document that ran; without one the workflow never asked */
  policy: ExecutionRetryPolicy | undefined;
}

export type WorkflowRetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * After the workflow's own error: try again as a new attempt only when the
 * workflow asked for it and neither its policy nor the execution's budget is
 * used up. The smaller of the two wins, so a budget set by an older version's
 * policy cannot stretch a newer one.
 */
export function decideAfterWorkflowFailure(facts: WorkflowFailureFacts, random: () => number = Math.random): WorkflowRetryDecision {
  if (!facts.policy) return { retry: false };
  if (facts.attempt >= Math.min(facts.policy.attempts, facts.maxAttempts)) return { retry: false };
  return { retry: true, delayMs: jitteredBackoffMs(facts.policy.backoff, facts.attempt, random) };
}
