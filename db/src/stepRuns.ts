import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { stepRuns } from './schema.js';

/** The channel every step status change is announced on, so the api can push live step updates. */
export const STEPS_CHANNEL = 'flow_like_steps';

export type StepRunStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface StepRunChange {
  executionId: string;
  attempt: number;
  stepId: string;
  status: StepRunStatus;
  tries: number;
  error?: { reason: string; message: string } | null | undefined;
  /** small outputs only; large ones are stored as objects and referenced by outputKey */
  output?: unknown;
  outputKey?: string | null | undefined;
}

export type StepRun = typeof stepRuns.$inferSelect;

/**
 * Record a step's status, fenced on the attempt: the row is written only
 * while the execution is `running` at this attempt, so an executor whose
 * attempt was superseded (a retry, a cancel) writes nothing. The NOTIFY is
 * sent in the same statement, only when a row was written. Returns false when
 * fenced out.
 */
export async function recordStepRun(db: Database, change: StepRunChange): Promise<boolean> {
  const finished = change.status !== 'running';
  const output = change.output === undefined ? null : JSON.stringify(change.output);
  const error = change.error ? JSON.stringify(change.error) : null;
  const result = await db.execute(sql`
    WITH written AS (
      INSERT INTO ${stepRuns} (execution_id, attempt, step_id, status, tries, started_at, finished_at, error, output, output_key, updated_at)
      SELECT ${change.executionId}, ${change.attempt}, ${change.stepId}, ${change.status}, ${change.tries},
             CASE WHEN ${change.status} = 'skipped' THEN NULL ELSE now() END,
             CASE WHEN ${finished} THEN now() ELSE NULL END,
             ${error}::jsonb, ${output}::jsonb, ${change.outputKey ?? null}, now()
      WHERE EXISTS (SELECT 1 FROM executions WHERE id = ${change.executionId} AND attempt = ${change.attempt} AND status = 'running')
      ON CONFLICT (execution_id, attempt, step_id) DO UPDATE SET
        status = EXCLUDED.status,
        tries = EXCLUDED.tries,
        started_at = COALESCE(${stepRuns.startedAt}, EXCLUDED.started_at),
        finished_at = EXCLUDED.finished_at,
        error = EXCLUDED.error,
        output = EXCLUDED.output,
        output_key = EXCLUDED.output_key,
        updated_at = now()
      RETURNING execution_id, attempt, step_id, status
    )
    SELECT pg_notify(${STEPS_CHANNEL}, json_build_object(
      'id', execution_id, 'attempt', attempt, 'step', step_id, 'status', status)::text) AS notified
    FROM written`);
  return result.rows.length > 0;
}

export async function listStepRuns(db: Database, executionId: string, attempt: number): Promise<StepRun[]> {
  return db
    .select()
    .from(stepRuns)
    .where(and(eq(stepRuns.executionId, executionId), eq(stepRuns.attempt, attempt)))
    .orderBy(asc(stepRuns.startedAt), asc(stepRuns.stepId));
}
