import { and, asc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import { ACTIVE_STATUSES, type ExecutionStatus } from '@flow-like/core';
import type { Database } from './client.js';
import type { Execution } from './executions.js';
import { executions } from './schema.js';

/**
 * The dispatcher's queries: admission under exact slot limits, liveness of
 * launches, and the recovery sweeps. A slot is nothing but a row in an active
 * status (dispatching, starting, running), so a slot can never leak: it comes
 * back the moment its row leaves those statuses, whoever moves it.
 */

// Any 64-bit constant shared by every dispatcher of this schema.
const ADMISSION_LOCK = 7_261_002;

export interface SlotLimits {
  /** running executions of the whole install */
  global: number;
  /** running executions of a project whose own limit is not set */
  projectDefault: number;
}

/** A queued execution that could take a slot now, with its project's load. */
export interface AdmissionCandidate {
  id: string;
  projectId: string;
  priority: number;
  queuedAt: Date;
  /** executions of this project holding a slot right now */
  projectActive: number;
  projectLimit: number;
}

export interface AdmissionRound {
  /** slots left in the whole install */
  globalFree: number;
  /** per project, its most urgent due executions, at most as many as it has free slots, in its own order */
  candidates: AdmissionCandidate[];
}

/** Picks which candidates take a slot; returns their ids. Pure, runs inside the admission lock. */
export type AdmissionPlanner = (round: AdmissionRound) => string[];

const ACTIVE = sql.join(
  ACTIVE_STATUSES.map((s) => sql`${s}`),
  sql`, `,
);

/**
 * One admission round: every dispatcher replica takes the same transaction
 * lock, reads the loads, lets `plan` choose, and moves the chosen rows
 * queued → dispatching before releasing it. Counting and taking are therefore
 * one serial step across replicas: limits hold exactly, never just eventually.
 * A row cancelled meanwhile is skipped by the guard.
 */
export async function admitExecutions(
  db: Database,
  request: { limits: SlotLimits; maxCount: number },
  plan: AdmissionPlanner,
): Promise<Execution[]> {
  if (request.maxCount <= 0) return [];
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${ADMISSION_LOCK})`);
    const total = await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM executions WHERE status IN (${ACTIVE})`);
    const globalFree = request.limits.global - (total.rows[0]?.n ?? 0);
    if (globalFree <= 0) return [];
    const perProject = Math.min(request.maxCount, globalFree);
    // The order spells out the index's NULLS LAST and the LIMIT is a constant, so the planner walks
    // executions_admission_idx for a few rows per project instead of sorting a project's whole
    // backlog (and paying for JIT compiling that plan) on every round; a project's own free slots cut the rank.
    const found = await tx.execute<{ id: string; project_id: string; priority: number; queued_at: Date | string; active: number; lim: number }>(sql`
      WITH active AS (
        SELECT project_id, count(*)::int AS n FROM executions WHERE status IN (${ACTIVE}) GROUP BY project_id
      )
      SELECT c.id, c.project_id, c.priority, c.queued_at, coalesce(a.n, 0) AS active,
             coalesce(p.concurrency_limit, ${request.limits.projectDefault})::int AS lim
      FROM projects p
      LEFT JOIN active a ON a.project_id = p.id
      CROSS JOIN LATERAL (
        SELECT e.id, e.project_id, e.priority, e.queued_at,
               row_number() OVER (ORDER BY e.priority DESC NULLS LAST, e.queued_at, e.id) AS rank
        FROM executions e
        WHERE e.project_id = p.id AND e.status = 'queued' AND (e.run_at IS NULL OR e.run_at <= now())
        ORDER BY e.priority DESC NULLS LAST, e.queued_at, e.id
        LIMIT ${perProject}
      ) c
      WHERE c.rank <= coalesce(p.concurrency_limit, ${request.limits.projectDefault}) - coalesce(a.n, 0)`);
    const candidates = found.rows.map((r) => ({
      id: r.id,
      projectId: r.project_id,
      priority: r.priority,
      queuedAt: new Date(r.queued_at),
      projectActive: r.active,
      projectLimit: r.lim,
    }));
    if (candidates.length === 0) return [];
    const chosen = plan({ globalFree: Math.min(globalFree, request.maxCount), candidates });
    if (chosen.length === 0) return [];
    const rows = await tx
      .update(executions)
      .set({ status: 'dispatching', statusReason: 'admitted', heartbeatAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(inArray(executions.id, chosen), eq(executions.status, 'queued')))
      .returning();
    return rows as Execution[];
  });
}

export interface AttemptRef {
  id: string;
  attempt: number;
}

function attemptPairs(attempts: readonly AttemptRef[]) {
  return sql`(${executions.id}, ${executions.attempt}) IN (SELECT * FROM unnest(${sql.param(attempts.map((a) => a.id))}::uuid[], ${sql.param(attempts.map((a) => a.attempt))}::int[]))`;
}

export interface LaunchedAttempt extends AttemptRef {
  /** where the run lives: a Job name, a process id */
  runner: string;
}

/**
 * Records launches dispatching → starting, a whole round of them in one
 * statement. Fenced like any transition: an attempt claimed meanwhile
 * (running), cancelled or replaced stays as it is. Returns the attempts moved.
 */
export async function markAttemptsLaunched(db: Database, launched: readonly LaunchedAttempt[]): Promise<AttemptRef[]> {
  if (launched.length === 0) return [];
  const rows = await db.execute<{ id: string; attempt: number }>(sql`
    UPDATE executions e
    SET status = 'starting', status_reason = 'launched', runner = l.runner, updated_at = now()
    FROM unnest(${sql.param(launched.map((l) => l.id))}::uuid[], ${sql.param(launched.map((l) => l.attempt))}::int[], ${sql.param(launched.map((l) => l.runner))}::text[])
      AS l(id, attempt, runner)
    WHERE e.id = l.id AND e.attempt = l.attempt AND e.status = 'dispatching'
    RETURNING e.id, e.attempt`);
  return rows.rows;
}

/**
 * The dispatcher watching a run vouches for it: until the executor claims
 * the attempt, and while it runs, so a run whose dispatcher died goes stale
 * whether or not its executor heartbeats itself.
 */
export async function heartbeatAttempts(db: Database, attempts: readonly AttemptRef[]): Promise<void> {
  if (attempts.length === 0) return;
  // rows locked right now are being claimed or ended, which is a sign of life of its own:
  // skipping them keeps one heartbeat of thousands of runs from queueing behind their writes
  const live = db
    .select({ id: executions.id })
    .from(executions)
    .where(and(attemptPairs(attempts), inArray(executions.status, [...ACTIVE_STATUSES])))
    .for('update', { skipLocked: true });
  await db.update(executions).set({ heartbeatAt: sql`now()` }).where(inArray(executions.id, live));
}

/** Attempts in flight whose last sign of life is older than `staleSeconds`, by the database's clock. */
export async function listStaleAttempts(db: Database, staleSeconds: number, limit: number): Promise<Execution[]> {
  const rows = await db
    .select()
    .from(executions)
    .where(and(inArray(executions.status, [...ACTIVE_STATUSES]), staleSince(staleSeconds)))
    .limit(limit);
  return rows as Execution[];
}

function staleSince(staleSeconds: number) {
  return lt(sql`coalesce(${executions.heartbeatAt}, ${executions.updatedAt})`, sql`now() - make_interval(secs => ${staleSeconds})`);
}

/**
 * Take over a stale attempt: refresh its heartbeat only if it is still stale,
 * so of several replicas sweeping at once exactly one adopts it.
 */
export async function adoptStaleAttempt(db: Database, attempt: AttemptRef, staleSeconds: number): Promise<Execution | undefined> {
  const [row] = await db
    .update(executions)
    .set({ heartbeatAt: sql`now()` })
    .where(
      and(
        eq(executions.id, attempt.id),
        eq(executions.attempt, attempt.attempt),
        inArray(executions.status, [...ACTIVE_STATUSES]),
        staleSince(staleSeconds),
      ),
    )
    .returning();
  return row as Execution | undefined;
}

/**
 * A lost attempt goes back to the queue as the next attempt, due after the
 * backoff. Fenced on the attempt: a late executor of the old one can no
 * longer claim or finish it. Undefined when someone else moved it first.
 */
export async function requeueAttempt(
  db: Database,
  request: { id: string; attempt: number; delayMs: number; reason: string },
): Promise<Execution | undefined> {
  const [row] = await db
    .update(executions)
    .set({
      status: 'queued',
      statusReason: request.reason,
      attempt: request.attempt + 1,
      runAt: sql`now() + make_interval(secs => ${request.delayMs / 1_000})`,
      queuedAt: sql`now()`,
      heartbeatAt: null,
      runner: null,
      startedAt: null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(executions.id, request.id), eq(executions.attempt, request.attempt), inArray(executions.status, [...ACTIVE_STATUSES])))
    .returning();
  return row as Execution | undefined;
}

export interface QueuedExecutionRef {
  id: string;
  projectId: string;
  attempt: number;
  priority: number;
  runAt: Date | null;
}

/**
 * One page of queued executions in id order, for the reconciler that re-enqueues
 * what Redis lost. With `dueAfter`, only those not due before it: a delayed run
 * or a retry's backoff, whose wake-up BullMQ cannot have delivered yet.
 */
export async function listQueuedExecutions(db: Database, page: { afterId?: string; limit: number; dueAfter?: Date }): Promise<QueuedExecutionRef[]> {
  const conditions = [eq(executions.status, 'queued')];
  if (page.dueAfter) conditions.push(gt(executions.runAt, page.dueAfter));
  if (page.afterId) conditions.push(gt(executions.id, page.afterId));
  return db
    .select({ id: executions.id, projectId: executions.projectId, attempt: executions.attempt, priority: executions.priority, runAt: executions.runAt })
    .from(executions)
    .where(and(...conditions))
    .orderBy(asc(executions.id))
    .limit(page.limit);
}

export interface AttemptState {
  id: string;
  status: ExecutionStatus;
  attempt: number;
}

/** Where the given executions stand now: the safety net behind the status notifications. */
export async function readAttemptStates(db: Database, ids: readonly string[]): Promise<AttemptState[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: executions.id, status: executions.status, attempt: executions.attempt })
    .from(executions)
    .where(inArray(executions.id, [...ids]));
  return rows as AttemptState[];
}

/**
 * Queued executions that waited longer than allowed end `timed_out` with
 * reason "queue". The wait counts from when the execution became due, so a
 * delayed run or a retry's backoff is not held against it.
 */
export async function expireQueueWaits(db: Database, waitSeconds: number): Promise<string[]> {
  const rows = await db
    .update(executions)
    .set({
      status: 'timed_out',
      statusReason: 'queue',
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
      error: { reason: 'queue', message: `waited more than ${waitSeconds}s in the queue` },
    })
    .where(
      and(
        eq(executions.status, 'queued'),
        lt(sql`greatest(${executions.queuedAt}, coalesce(${executions.runAt}, ${executions.queuedAt}))`, sql`now() - make_interval(secs => ${waitSeconds})`),
      ),
    )
    .returning({ id: executions.id });
  return rows.map((r) => r.id);
}

/**
 * Runs past their deadline whose dispatcher is gone (the launcher enforces
 * the deadline of the runs it watches): `timed_out`, so the slot comes back.
 */
export async function expireRunDeadlines(db: Database, options: { maxSeconds: number; graceSeconds: number }): Promise<string[]> {
  const rows = await db
    .update(executions)
    .set({
      status: 'timed_out',
      statusReason: 'DeadlineExceeded',
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
      error: { reason: 'DeadlineExceeded', message: 'the run exceeded its deadline' },
    })
    .where(
      and(
        eq(executions.status, 'running'),
        lt(
          sql`${executions.startedAt} + make_interval(secs => least(${executions.timeoutSeconds}, ${options.maxSeconds}) + ${options.graceSeconds})`,
          sql`now()`,
        ),
      ),
    )
    .returning({ id: executions.id });
  return rows.map((r) => r.id);
}
