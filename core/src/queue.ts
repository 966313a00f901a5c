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
