import type { Redis } from 'ioredis';
import { listQueuedExecutions, type Database } from '@flow-like/db';
import { jobOf, wakeJobId, type ExecutionQueue } from './wakeQueue.js';

const PAGE = 500;

/**
 * Postgres is the source of truth: every execution still queued there gets
 * its job back if Redis lost it (a restart without persistence, FLUSHALL, or
 * an enqueue that never happened). Re-adding is idempotent by job id.
 * Returns how many jobs were added.
 */
export async function reconcileQueue(db: Database, queue: ExecutionQueue, redis: Redis, now: () => Date = () => new Date()): Promise<number> {
  let added = 0;
  let afterId: string | undefined;
  for (;;) {
    const page = await listQueuedExecutions(db, { ...(afterId ? { afterId } : {}), limit: PAGE });
    if (page.length === 0) return added;
    afterId = page[page.length - 1]!.id;
    const pipeline = redis.pipeline();
    for (const execution of page) pipeline.exists(queue.toKey(wakeJobId(execution.id, execution.attempt)));
    const found = (await pipeline.exec()) ?? [];
    const missing = page.filter((_, i) => found[i]?.[1] !== 1);
    if (missing.length > 0) {
      const at = now();
      await queue.addBulk(missing.map((execution) => jobOf(execution, at)));
      added += missing.length;
    }
    if (page.length < PAGE) return added;
  }
}
