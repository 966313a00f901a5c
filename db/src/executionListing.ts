import { and, asc, count, desc, eq, gt, gte, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import { ACTIVE_STATUSES, type ExecutionStatus } from '@flow-like/core';
import type { Database } from './client.js';
import type { Execution } from './executions.js';
import { executions, executionTransitions } from './schema.js';

export interface ExecutionFilter {
  projectId: string;
  statuses?: readonly ExecutionStatus[];
  workflowId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** the last id of the previous page: ids are time-ordered, so pages run newest first */
  before?: string;
  limit: number;
}

/** One page of a project's executions, newest first. */
export async function listExecutions(db: Database, filter: ExecutionFilter): Promise<Execution[]> {
  const conditions: SQL[] = [eq(executions.projectId, filter.projectId)];
  if (filter.statuses && filter.statuses.length > 0) conditions.push(inArray(executions.status, [...filter.statuses]));
  if (filter.workflowId) conditions.push(eq(executions.workflowId, filter.workflowId));
  if (filter.createdAfter) conditions.push(gte(executions.createdAt, filter.createdAfter));
  if (filter.createdBefore) conditions.push(lte(executions.createdAt, filter.createdBefore));
  if (filter.before) conditions.push(lt(executions.id, filter.before));
  const rows = await db
    .select()
    .from(executions)
    .where(and(...conditions))
    .orderBy(desc(executions.id))
    .limit(filter.limit);
  return rows as Execution[];
}

export async function findExecutionByIdempotencyKey(db: Database, projectId: string, key: string): Promise<Execution | undefined> {
  const [row] = await db
    .select()
    .from(executions)
    .where(and(eq(executions.projectId, projectId), eq(executions.idempotencyKey, key)))
    .limit(1);
  return row as Execution | undefined;
}

export interface ProjectQueueStats {
  projectId: string;
  queued: number;
  /** dispatching, starting or running: the executions holding a slot */
  running: number;
  oldestQueuedAt: Date | null;
}

/** Queued and running counts of every project that has any, for stats and metrics. */
export async function projectQueueStats(db: Database, projectId?: string): Promise<ProjectQueueStats[]> {
  const live: ExecutionStatus[] = ['queued', ...ACTIVE_STATUSES];
  const conditions: SQL[] = [inArray(executions.status, live)];
  if (projectId) conditions.push(eq(executions.projectId, projectId));
  const rows = await db
    .select({
      projectId: executions.projectId,
      queued: sql<number>`count(*) FILTER (WHERE ${executions.status} = 'queued')`.mapWith(Number),
      running: sql<number>`count(*) FILTER (WHERE ${executions.status} <> 'queued')`.mapWith(Number),
      oldestQueuedAt: sql<Date | null>`min(${executions.queuedAt}) FILTER (WHERE ${executions.status} = 'queued')`.mapWith(
        (value: string | Date | null) => (value === null ? null : new Date(value)),
      ),
    })
    .from(executions)
    .where(and(...conditions))
    .groupBy(executions.projectId);
  return rows;
}

/** Executions holding a slot across every project: what the global limit counts. */
export async function countRunningExecutions(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(executions)
    .where(inArray(executions.status, [...ACTIVE_STATUSES]));
  return row?.n ?? 0;
}

export interface TransitionRecord {
  id: number;
  attempt: number;
  from: ExecutionStatus | null;
  to: ExecutionStatus;
  reason: string | null;
  at: Date;
}

/** Status changes of one execution after the audit id `afterId`, in order: what live events replay. */
export async function listTransitionsAfter(db: Database, executionId: string, afterId: number): Promise<TransitionRecord[]> {
  const rows = await db
    .select()
    .from(executionTransitions)
    .where(and(eq(executionTransitions.executionId, executionId), gt(executionTransitions.id, afterId)))
    .orderBy(asc(executionTransitions.id));
  return rows.map((r) => ({
    id: r.id,
    attempt: r.attempt,
    from: r.fromStatus as ExecutionStatus | null,
    to: r.toStatus as ExecutionStatus,
    reason: r.reason,
    at: r.at,
  }));
}
