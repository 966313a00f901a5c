import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { EXECUTION_QUEUE, executionJobId, executionJobOptions, Unavailable, type ExecutionJob } from '@flow-like/core';

export type ExecutionQueue = Queue<ExecutionJob>;

export function createExecutionQueue(connection: Redis, prefix: string): ExecutionQueue {
  return new Queue<ExecutionJob>(EXECUTION_QUEUE, { connection, prefix });
}

interface Enqueueable {
  id: string;
  projectId: string;
  priority: number;
  runAt: Date | null;
}

/** Add executions in one round trip; a Redis failure becomes Unavailable so the caller can roll back. */
export async function enqueueExecutions(queue: ExecutionQueue, executions: readonly Enqueueable[], now = new Date()): Promise<void> {
  try {
    await queue.addBulk(
      executions.map((e) => ({
        name: 'execute',
        data: { executionId: e.id, projectId: e.projectId },
        opts: executionJobOptions(e, now),
      })),
    );
  } catch (error) {
    throw new Unavailable('Redis', error instanceof Error ? error.message : String(error));
  }
}

/** Remove the wake-ups of executions whose rows were not stored. Best effort: never throws. */
export async function withdrawExecutions(queue: ExecutionQueue, executions: readonly { id: string }[], onError: (error: unknown) => void): Promise<void> {
  await Promise.all(executions.map((e) => queue.remove(executionJobId(e.id)).catch(onError)));
}
