import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { EXECUTION_QUEUE, executionJobSchema, type ExecutionJob } from '@flow-like/core';
import { dispatchExecution, type DispatchDeps } from './dispatchExecution.js';

export interface WorkerOptions {
  connection: Redis;
  prefix: string;
  /** executions this replica carries at once; the BullMQ job stays active for the whole run */
  concurrency: number;
}

export function createExecutionWorker(deps: DispatchDeps, options: WorkerOptions): Worker<ExecutionJob> {
  const worker = new Worker<ExecutionJob>(
    EXECUTION_QUEUE,
    async (job) => {
      const parsed = executionJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`malformed queue entry ${job.id}: ${parsed.error.message}`);
      await dispatchExecution(deps, parsed.data.executionId);
    },
    { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency },
  );
  worker.on('error', (error) => deps.logger.warn({ err: error.message }, 'queue worker error'));
  worker.on('failed', (job, error) => deps.logger.error({ jobId: job?.id, err: error.message }, 'dispatch failed'));
  return worker;
}
