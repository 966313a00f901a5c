import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { LostRace, statusesLeadingTo, type ExecutionStatus } from '@flow-like/core';
import type { Database } from './client.js';
import { executions, executionTransitions } from './schema.js';

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

/**
 * Insert queued executions and hand them to `beforeCommit` (the enqueue) inside
 * the same transaction: if the enqueue fails, no row stays behind, so a client
 * that saw an error can simply retry. (An enqueued job whose row never
 * committed is dropped by the dispatcher when it finds no row.)
 */
export async function submitExecutions(
  db: Database,
  values: readonly NewExecution[],
  beforeCommit: (rows: Execution[]) => Promise<void>,
): Promise<Execution[]> {
  return db.transaction(async (tx) => {
    const rows = (await tx
      .insert(executions)
      .values(values.map((v) => ({ ...v, status: 'queued', attempt: 1 })))
      .returning()).map(asExecution);
    await beforeCommit(rows);
    return rows;
  });
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
