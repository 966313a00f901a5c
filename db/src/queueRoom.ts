import { sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { executions, projects } from './schema.js';

export interface QueueRoom {
  /** the project's own queue depth limit, or the default when it has none */
  projectLimit: number;
  /** queued executions of the project, counted up to one past `projectLimit` */
  project: number;
  /** queued executions of the whole install, counted up to one past the total limit */
  total: number;
}

/**
 * What a submission is checked against before it is accepted (backpressure),
 * in one round trip. Each count stops one row past its limit: whether a
 * submission fits is still exact, but a full queue costs no more to check
 * than one at its limit, however far past the limit it is.
 */
export async function queueRoom(db: Database, projectId: string, limits: { projectDefault: number; total: number }): Promise<QueueRoom> {
  const projectLimit = sql`coalesce((SELECT ${projects.maxQueueDepth} FROM ${projects} WHERE ${projects.id} = ${projectId}), ${limits.projectDefault}::int)`;
  const result = await db.execute<{ project_limit: number; project: number; total: number }>(sql`
    SELECT ${projectLimit} AS project_limit,
      (SELECT count(*)::int FROM (
        SELECT 1 FROM ${executions} WHERE ${executions.status} = 'queued' AND ${executions.projectId} = ${projectId} LIMIT ${projectLimit} + 1
      ) AS queued) AS project,
      (SELECT count(*)::int FROM (
        SELECT 1 FROM ${executions} WHERE ${executions.status} = 'queued' LIMIT ${limits.total + 1}::bigint
      ) AS queued) AS total`);
  const row = result.rows[0]!;
  return { projectLimit: row.project_limit, project: row.project, total: row.total };
}
