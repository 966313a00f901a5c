import { z } from 'zod';

/** The BullMQ contract between api (producer) and dispatcher (worker). */
export const EXECUTION_QUEUE = 'executions';

export const executionJobSchema = z.object({
  executionId: z.string().uuid(),
  projectId: z.string().min(1),
});
export type ExecutionJob = z.infer<typeof executionJobSchema>;

/**
 * One BullMQ job per execution, named by the execution id: BullMQ ignores an
 * add whose job id already exists, which makes enqueueing idempotent (a
 * reconciler may re-add a row that the api already enqueued).
 */
export function executionJobId(executionId: string): string {
  return executionId;
}

/** Submission priority: 0 (lowest) … 100 (most urgent). */
export const PRIORITY_MIN = 0;
export const PRIORITY_MAX = 100;
export const PRIORITY_DEFAULT = 50;

/**
 * BullMQ options of an execution's job. Every job carries a priority so all
 * of them live in one ordered set (BullMQ: 1 is served first).
 */
export function executionJobOptions(execution: { id: string; priority: number; runAt?: Date | null }, now: Date) {
  const delay = execution.runAt ? Math.max(0, execution.runAt.getTime() - now.getTime()) : 0;
  return {
    jobId: executionJobId(execution.id),
    priority: PRIORITY_MAX + 1 - execution.priority,
    delay,
    removeOnComplete: { age: 3_600, count: 10_000 },
    removeOnFail: { age: 24 * 3_600 },
  };
}
