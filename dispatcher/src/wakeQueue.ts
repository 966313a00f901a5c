import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EXECUTION_QUEUE, executionJobId, executionJobOptions, executionJobSchema, toError, type ExecutionJob } from '@flow-like/core';

/**
 * The BullMQ job of one attempt. The api enqueues attempt 1 under the
 * execution id; a retry is a new job, since BullMQ ignores an add whose id it
 * has seen before.
 */
export function wakeJobId(executionId: string, attempt: number): string {
  return attempt <= 1 ? executionJobId(executionId) : `${executionJobId(executionId)}-attempt-${attempt}`;
}

export interface Enqueueable {
  id: string;
  projectId: string;
  attempt: number;
  priority: number;
  runAt: Date | null;
}

export function jobOf(execution: Enqueueable, now: Date) {
  return {
    name: 'execute',
    data: { executionId: execution.id, projectId: execution.projectId } satisfies ExecutionJob,
    opts: { ...executionJobOptions(execution, now), jobId: wakeJobId(execution.id, execution.attempt) },
  };
}

export type ExecutionQueue = Queue<ExecutionJob>;

/** A producer whose commands fail fast while Redis is away: enqueueing is best effort, the reconciler catches up. */
export function createExecutionQueue(connection: Redis, prefix: string): ExecutionQueue {
  return new Queue<ExecutionJob>(EXECUTION_QUEUE, { connection, prefix });
}

/**
 * BullMQ is the delivery channel, Postgres the truth: a job reaching this
 * worker (at submission, or when a delayed run or a retry falls due) only
 * wakes the admission loop, which decides in Postgres what takes a slot.
 */
export function createWakeWorker(options: { connection: Redis; prefix: string; logger: Logger; wake(): void }): Worker<ExecutionJob> {
  const worker = new Worker<ExecutionJob>(
    EXECUTION_QUEUE,
    async (job) => {
      if (!executionJobSchema.safeParse(job.data).success) throw new UnrecoverableError(`malformed queue entry ${job.id}`);
      options.wake();
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 50 },
  );
  worker.on('error', (error) => options.logger.warn({ err: toError(error).message }, 'queue worker error'));
  return worker;
}
