import type { ExecutionStatus } from '@flow-like/core';

export type WaitReason = 'delayed' | 'retry_backoff' | 'project_limit' | 'global_limit' | 'next_in_line';

export interface WaitSituation {
  status: ExecutionStatus;
  attempt: number;
  runAt: Date | null;
  projectRunning: number;
  projectLimit: number;
  globalRunning: number;
  globalLimit: number;
  now: Date;
}

/**
 * Why a queued execution has not started, in the order the dispatcher checks:
 * not due yet (a later runAt, or a retry's backoff: attempt > 1), then the
 * project's slots, then the install's. With free slots it is simply next in
 * line for a dispatcher. Undefined for an execution that is not waiting.
 */
export function explainWait(s: WaitSituation): { reason: WaitReason; detail: string } | undefined {
  if (s.status !== 'queued') return undefined;
  if (s.runAt && s.runAt > s.now) {
    const at = s.runAt.toISOString();
    return s.attempt > 1
      ? { reason: 'retry_backoff', detail: `attempt ${s.attempt} waits for its retry backoff until ${at}` }
      : { reason: 'delayed', detail: `it was asked not to start before ${at}` };
  }
  if (s.projectRunning >= s.projectLimit) {
    return { reason: 'project_limit', detail: `the project runs ${s.projectRunning} of its ${s.projectLimit} concurrent executions` };
  }
  if (s.globalRunning >= s.globalLimit) {
    return { reason: 'global_limit', detail: `the install runs ${s.globalRunning} of its ${s.globalLimit} concurrent executions` };
  }
  return { reason: 'next_in_line', detail: 'slots are free; a dispatcher takes it in priority and fair-share order' };
}
