import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { LostRace, statusesLeadingTo, type ExecutionStatus } from '@flow-like/core';
import type { Database } from './client.js';
import { executions, executionTransitions, workflows } from './schema.js';

type ExecutionRecord = typeof executions.$inferSelect;
export type Execution = Omit<ExecutionRecord, 'status'> & { status: ExecutionStatus };
export type NewExecution = Omit<typeof executions.$inferInsert, 'status' | 'attempt' | 'createdAt' | 'updatedAt' | 'queuedAt'>;

export interface ExecutionError {
  reason: string;
  message: string;
  step?: string;
  type?: string;
}

function asExecution(row: ExecutionRecord): Execution {
  return row as Execution;
}

/** What a wake-up in the queue is made from: all known before the row exists. */
export interface QueuedExecution {
  id: string;
  projectId: string;
  priority: number;
  runAt: Date | null;
}

export interface Wakeups {
  /** add the wake-ups of rows about to be inserted; when this fails, nothing is stored */
  enqueue(executions: readonly QueuedExecution[]): Promise<void>;
  /** take them back after the insert failed; must not throw */
  withdraw?(executions: readonly QueuedExecution[]): Promise<void>;
}

/**
 * The workflow of the rows was deleted, or, for a submission of its latest
 * version, got a newer version after it was read. Nothing was inserted; the
 * caller reads the workflow again.
 */
export class WorkflowChanged extends Error {
  constructor() {
    super('the workflow was deleted or got a newer version while the submission was stored');
    this.name = 'WorkflowChanged';
  }
}

function isNotNullViolation(error: unknown, column: string): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; column?: unknown; cause?: unknown };
    if (candidate.code === '23502' && candidate.column === column) return true;
    current = candidate.cause;
  }
  return false;
}

/**
 * Enqueue the wake-ups, then insert the queued rows in one statement. In this
 * order the common case costs one Redis and one Postgres round trip and needs
 * no transaction held open across the Redis call:
 * - Redis refuses: nothing was inserted (the client can simply retry).
 * - the insert fails: the wake-ups are withdrawn; one left behind (the api
 *   died in between) only wakes an admission round, which finds no row.
 * - a dispatcher woken before the row commits finds nothing; the insert's
 *   status NOTIFY wakes it again once the row is visible.
 *
 * Each row's workflow version is read from the live workflow inside the
 * insert: a workflow deleted since the caller read it, or (`latest`) one that
 * has a newer version, yields NULL, which the NOT NULL column refuses; that
 * refusal becomes WorkflowChanged. So a cached read of the workflow is never
 * acted on after the workflow changed.
 */
export async function submitExecutions(
  db: Database,
  values: readonly NewExecution[],
  wakeups: Wakeups,
  options: { latest?: boolean } = {},
): Promise<Execution[]> {
  const queued = values.map((v) => ({ id: v.id, projectId: v.projectId, priority: v.priority ?? 0, runAt: v.runAt ?? null }));
  await wakeups.enqueue(queued);
  try {
    const rows = await db
      .insert(executions)
      .values(
        values.map((v) => ({
          ...v,
          workflowVersion: sql`(SELECT ${v.workflowVersion}::int FROM ${workflows}
            WHERE ${workflows.id} = ${v.workflowId} AND ${workflows.projectId} = ${v.projectId} AND ${workflows.deletedAt} IS NULL
            ${options.latest ? sql`AND ${workflows.latestVersion} = ${v.workflowVersion}` : sql``})`,
          status: 'queued',
          attempt: 1,
        })),
      )
      .returning();
    return rows.map(asExecution);
  } catch (error) {
    // the insert's error is the one that matters; a wake-up left behind only wakes an admission round
    await wakeups.withdraw?.(queued).catch(() => undefined);
    if (isNotNullViolation(error, 'workflow_version')) throw new WorkflowChanged();
    throw error;
  }
}

/** Scoped by project whenever the caller acts for a project: another project's id reads as "not found". */
export async function getExecution(db: Database, id: string, projectId?: string): Promise<Execution | undefined> {
  const where = projectId ? and(eq(executions.id, id), eq(executions.projectId, projectId)) : eq(executions.id, id);
  const [row] = await db.select().from(executions).where(where).limit(1);
  return row ? asExecution(row) : undefined;
}

export interface TransitionRequest {
  id: string;
  to: ExecutionStatus;
  /** narrower than the table allows, e.g. only `queued` for a cancel-before-start */
  from?: readonly ExecutionStatus[];
  /** fence on the attempt so a stale actor cannot move a newer attempt */
  attempt?: number;
  reason?: string;
  /** extra columns to set in the same guarded update */
  set?: Partial<Pick<ExecutionRecord, 'error' | 'resultKey' | 'runner' | 'startedAt' | 'finishedAt' | 'heartbeatAt' | 'attempt' | 'runAt' | 'queuedAt'>>;
}

/**
 * The only way a status changes: one conditional UPDATE whose guard is derived
 * from the transition table. No row back means another actor moved the
 * execution first; the caller gets LostRace and decides what that means.
 */
export async function transitionExecution(db: Database, request: TransitionRequest): Promise<Execution> {
  const legal = statusesLeadingTo(request.to);
  const from = request.from ? legal.filter((s) => request.from!.includes(s)) : legal;
  if (from.length === 0) throw new LostRace(`no status may move to ${request.to} from ${request.from?.join(', ')}`);
  const conditions = [eq(executions.id, request.id), inArray(executions.status, from)];
  if (request.attempt !== undefined) conditions.push(eq(executions.attempt, request.attempt));
  const [row] = await db
    .update(executions)
    .set({
      ...request.set,
      status: request.to,
      statusReason: request.reason ?? null,
      updatedAt: sql`now()`,
    })
    .where(and(...conditions))
    .returning();
  if (!row) {
    throw new LostRace(
      `execution ${request.id} is not in ${from.join('|')}${request.attempt === undefined ? '' : ` at attempt ${request.attempt}`}; cannot move to ${request.to}`,
    );
  }
  return asExecution(row);
}

/**
 * The executor's claim (DESIGN.md §2 step 10): only the current attempt, only
 * from dispatching/starting. A duplicate executor of the same attempt loses.
 */
export function claimExecution(db: Database, id: string, attempt: number): Promise<Execution> {
  return transitionExecution(db, {
    id,
    attempt,
    to: 'running',
    reason: 'claimed by executor',
    set: { startedAt: sql`now()` as unknown as Date, heartbeatAt: sql`now()` as unknown as Date },
  });
}

/** Returns false when the attempt is no longer running (fenced out or finished). */
export async function recordHeartbeat(db: Database, id: string, attempt: number): Promise<boolean> {
  const rows = await db
    .update(executions)
    .set({ heartbeatAt: sql`now()` })
    .where(and(eq(executions.id, id), eq(executions.attempt, attempt), eq(executions.status, 'running')))
    .returning({ id: executions.id });
  return rows.length > 0;
}

export interface StatusChange {
  attempt: number;
  from: ExecutionStatus | null;
  to: ExecutionStatus;
  reason: string | null;
  at: Date;
}

export async function listStatusHistory(db: Database, executionId: string): Promise<StatusChange[]> {
  const rows = await db
    .select()
    .from(executionTransitions)
    .where(eq(executionTransitions.executionId, executionId))
    .orderBy(asc(executionTransitions.id));
  return rows.map((r) => ({
    attempt: r.attempt,
    from: r.fromStatus as ExecutionStatus | null,
    to: r.toStatus as ExecutionStatus,
    reason: r.reason,
    at: r.at,
  }));
}
