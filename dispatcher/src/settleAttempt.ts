import { isTerminal, LostRace } from '@flow-like/core';
import { getExecution, requeueAttempt, transitionExecution, type Database, type Execution } from '@flow-like/db';
import type { RunOutcome } from './launcher.js';
import { decideAfterLoss, type LossReason, type RetrySettings } from './scheduling/retryDecision.js';

export interface SettleDeps {
  db: Database;
  retry: RetrySettings;
  /** a retry went back to the queue: wake whoever admits it when it is due */
  onRequeued(execution: Execution): Promise<void>;
}

export type Settlement = 'already_ended' | 'requeued' | 'ended';

/** The reason an attempt counts as lost when its run ended while the row still says it is in flight. */
export function lossOf(outcome: RunOutcome): LossReason {
  // exit 0 with the row still in flight: the executor left without recording an ending
  return outcome.kind === 'exited' ? 'ExecutorCrashed' : outcome.reason;
}

/**
 * Record what the platform saw of an attempt whose run is over (or gone).
 * The executor's own word, a cancel and a newer attempt all win: only an
 * attempt still in flight is moved, and every write is fenced on it.
 */
export async function settleAttempt(deps: SettleDeps, attempt: { id: string; attempt: number }, loss: LossReason, message: string): Promise<Settlement> {
  const current = await getExecution(deps.db, attempt.id);
  if (!current || isTerminal(current.status) || current.attempt !== attempt.attempt || current.status === 'queued') return 'already_ended';
  const decision = decideAfterLoss({ reason: loss, attempt: current.attempt, maxAttempts: current.maxAttempts, claimed: current.status === 'running' }, deps.retry);
  if (decision.retry) {
    const requeued = await requeueAttempt(deps.db, { id: current.id, attempt: current.attempt, delayMs: decision.delayMs, reason: loss });
    if (!requeued) return 'already_ended';
    await deps.onRequeued(requeued);
    return 'requeued';
  }
  try {
    await transitionExecution(deps.db, {
      id: current.id,
      attempt: current.attempt,
      from: ['dispatching', 'starting', 'running'],
      to: decision.status,
      reason: loss,
      set: { finishedAt: new Date(), error: { reason: loss, message } },
    });
    return 'ended';
  } catch (error) {
    if (error instanceof LostRace) return 'already_ended';
    throw error;
  }
}
