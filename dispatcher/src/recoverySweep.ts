import type { Logger } from 'pino';
import { adoptStaleAttempt, expireQueueWaits, expireRunDeadlines, listStaleAttempts, type Database } from '@flow-like/db';
import type { RunSupervisor } from './runSupervisor.js';

export interface RecoverySettings {
  staleAfterSeconds: number;
  queueWaitSeconds: number;
  maxRunSeconds: number;
  runDeadlineGraceSeconds: number;
}

const STALE_PAGE = 100;

/**
 * One pass of the sweeps every replica runs: queued executions that waited
 * too long end timed_out ("queue"); runs past their deadline that nobody
 * watches end timed_out; attempts nobody vouched for are adopted by exactly
 * one replica, which re-attaches to their run or counts them lost.
 * Returns how many slots the expiries and adoptions may have freed.
 */
export async function sweepOnce(deps: { db: Database; supervisor: RunSupervisor; logger: Logger }, settings: RecoverySettings): Promise<number> {
  const { db, supervisor, logger } = deps;
  const expiredQueued = await expireQueueWaits(db, settings.queueWaitSeconds);
  const expiredRuns = await expireRunDeadlines(db, { maxSeconds: settings.maxRunSeconds, graceSeconds: settings.runDeadlineGraceSeconds });
  if (expiredQueued.length + expiredRuns.length > 0) logger.info({ queue: expiredQueued.length, run: expiredRuns.length }, 'expired executions');
  let adopted = 0;
  for (const stale of await listStaleAttempts(db, settings.staleAfterSeconds, STALE_PAGE)) {
    if (supervisor.isHeld(stale.id)) continue;
    const mine = await adoptStaleAttempt(db, { id: stale.id, attempt: stale.attempt }, settings.staleAfterSeconds);
    if (!mine) continue;
    logger.info({ executionId: mine.id, attempt: mine.attempt, status: mine.status }, 'adopting an attempt nobody vouched for');
    supervisor.adopt(mine);
    adopted += 1;
  }
  return expiredRuns.length + adopted;
}
