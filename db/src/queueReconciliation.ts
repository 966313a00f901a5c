import { and, asc, eq, gt } from 'drizzle-orm';
import type { Database } from './client.js';
import type { QueuedExecutionRef } from './dispatching.js';
import { executions } from './schema.js';

/**
 * One page, in id order, of the queued executions not due before `now`: a
 * delayed run or a retry's backoff. BullMQ cannot have delivered their
 * wake-up yet, so a wake-up of theirs missing from Redis is a lost one.
 */
export async function listNotYetDueExecutions(db: Database, page: { afterId?: string; limit: number; now: Date }): Promise<QueuedExecutionRef[]> {
  const conditions = [eq(executions.status, 'queued'), gt(executions.runAt, page.now)];
  if (page.afterId) conditions.push(gt(executions.id, page.afterId));
  return db
    .select({ id: executions.id, projectId: executions.projectId, attempt: executions.attempt, priority: executions.priority, runAt: executions.runAt })
    .from(executions)
    .where(and(...conditions))
    .orderBy(asc(executions.id))
    .limit(page.limit);
}
