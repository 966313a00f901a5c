import type { Redis } from 'ioredis';
import { listQueuedExecutions, type Database } from '@flow-like/db';
import { jobOf, wakeJobId, type ExecutionQueue } from './wakeQueue.js';

const PAGE = 500;

/** Set once per life of the queue's Redis data: its absence means Redis lost that data since the last pass. */
const DATA_MARKER = 'reconciled';

/**
 * Postgres is the source of truth: every execution still queued there gets
 * its job back if Redis lost it (a restart without persistence, FLUSHALL, or
 * an enqueue that never happened). Re-adding is idempotent by job id.
 *
 * A delivered wake-up is a completed job, and BullMQ trims completed jobs
 * (`removeOnComplete`), so a due execution waiting behind full limits has no
 * job either: re-adding those made every pass re-add and re-deliver the
 * whole backlog beyond the kept completed jobs. Only after Redis lost its
 * data (the marker is gone) does a pass look at every queued execution;
 * otherwise it looks at those not due yet, whose wake-up cannot have been
 * delivered. A due execution needs no wake-up to be admitted: admission
 * reads Postgres on its own interval.
 * Returns how many jobs were added.
 */
export async function reconcileQueue(db: Database, queue: ExecutionQueue, redis: Redis, now: () => Date = () => new Date()): Promise<number> {
  // set before the walk, so data lost during it leaves the marker gone for the next pass
  const redisKeptItsData = (await redis.set(queue.toKey(DATA_MARKER), '1', 'NX')) === null;
  let added = 0;
  let afterId: string | undefined;
  for (;;) {
    const page = await listQueuedExecutions(db, { ...(afterId ? { afterId } : {}), ...(redisKeptItsData ? { dueAfter: now() } : {}), limit: PAGE });
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
