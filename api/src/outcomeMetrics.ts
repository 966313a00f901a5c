import type { Logger } from 'pino';
import { isTerminal } from '@flow-like/core';
import { getExecution, type Database } from '@flow-like/db';
import type { ApiMetrics } from './metrics.js';
import type { NotificationHub } from './notificationHub.js';

const seconds = (from: Date, to: Date) => Math.max(0, (to.getTime() - from.getTime()) / 1000);

/** Observe wait and run durations and the outcome of every execution that reaches a terminal status. */
export function recordOutcomes(hub: NotificationHub, db: Database, metrics: ApiMetrics, logger: Logger): () => void {
  return hub.onStatus((notice) => {
    if (!isTerminal(notice.status)) return;
    metrics.outcomes.inc({ project: notice.projectId, status: notice.status });
    getExecution(db, notice.id).then(
      (execution) => {
        if (!execution?.startedAt) return;
        metrics.waitDuration.observe({ project: execution.projectId }, seconds(execution.queuedAt, execution.startedAt));
        if (execution.finishedAt) metrics.runDuration.observe({ project: execution.projectId }, seconds(execution.startedAt, execution.finishedAt));
      },
      (error: unknown) => logger.debug({ err: String(error) }, 'could not read a finished execution for metrics'),
    );
  });
}
