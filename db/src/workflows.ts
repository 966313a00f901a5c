import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { newId } from '@flow-like/core';
import type { Database } from './client.js';
import { workflows, workflowVersions } from './schema.js';

export type Workflow = typeof workflows.$inferSelect;
export type WorkflowVersion = typeof workflowVersions.$inferSelect;

/**
 * Register a document under a name: the first registration creates the
 * workflow at version 1, every later one appends an immutable version. The
 * workflow row is locked while the version number is taken, so concurrent
 * registrations get distinct, gapless versions.
 */
export async function registerWorkflowVersion(
  db: Database,
  values: { projectId: string; name: string; document: unknown; checksum: string; documentKey: (workflowId: string, version: number) => string },
  /** store the immutable snapshot; failing here rolls the registration back */
  beforeCommit: (version: WorkflowVersion) => Promise<void>,
): Promise<{ workflow: Workflow; version: WorkflowVersion }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${values.projectId} || '/' || ${values.name}, 0))`);
    const [existing] = await tx
      .select()
      .from(workflows)
      .where(and(eq(workflows.projectId, values.projectId), eq(workflows.name, values.name), isNull(workflows.deletedAt)))
      .limit(1);
    let workflow: Workflow;
    if (existing) {
      const [updated] = await tx
        .update(workflows)
        .set({ latestVersion: existing.latestVersion + 1, updatedAt: sql`now()` })
        .where(eq(workflows.id, existing.id))
        .returning();
      workflow = updated!;
    } else {
      const [created] = await tx
        .insert(workflows)
        .values({ id: newId(), projectId: values.projectId, name: values.name, latestVersion: 1 })
        .returning();
      workflow = created!;
    }
    const [version] = await tx
      .insert(workflowVersions)
      .values({
        workflowId: workflow.id,
        version: workflow.latestVersion,
        document: values.document,
        checksum: values.checksum,
        documentKey: values.documentKey(workflow.id, workflow.latestVersion),
      })
      .returning();
    await beforeCommit(version!);
    return { workflow, version: version! };
  });
}

export async function getWorkflow(db: Database, id: string, projectId?: string): Promise<Workflow | undefined> {
  const where = projectId
    ? and(eq(workflows.id, id), eq(workflows.projectId, projectId), isNull(workflows.deletedAt))
    : eq(workflows.id, id);
  const [row] = await db.select().from(workflows).where(where).limit(1);
  return row;
}

export async function getWorkflowVersion(db: Database, workflowId: string, version: number): Promise<WorkflowVersion | undefined> {
  const [row] = await db
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workflowId, workflowId), eq(workflowVersions.version, version)))
    .limit(1);
  return row;
}

/**
 * A live workflow of the project with one of its versions (the latest when
 * none is asked for), in one round trip; `version` is undefined when the
 * workflow has no such version.
 */
export async function getLiveWorkflowVersion(
  db: Database,
  id: string,
  projectId: string,
  version: number | undefined,
): Promise<{ workflow: Workflow; version: WorkflowVersion | undefined } | undefined> {
  const [row] = await db
    .select({ workflow: workflows, version: workflowVersions })
    .from(workflows)
    .leftJoin(workflowVersions, and(eq(workflowVersions.workflowId, workflows.id), eq(workflowVersions.version, version ?? workflows.latestVersion)))
    .where(and(eq(workflows.id, id), eq(workflows.projectId, projectId), isNull(workflows.deletedAt)))
    .limit(1);
  return row ? { workflow: row.workflow, version: row.version ?? undefined } : undefined;
}

/** Live workflows of a project, oldest first; `after` is the last id of the previous page. */
export async function listWorkflows(db: Database, projectId: string, page: { after?: string; limit: number }): Promise<Workflow[]> {
  const conditions = [eq(workflows.projectId, projectId), isNull(workflows.deletedAt)];
  if (page.after) conditions.push(gt(workflows.id, page.after));
  return db.select().from(workflows).where(and(...conditions)).orderBy(asc(workflows.id)).limit(page.limit);
}

/** Version summaries without their documents, newest first. */
export async function listWorkflowVersions(
  db: Database,
  workflowId: string,
): Promise<Array<Pick<WorkflowVersion, 'version' | 'checksum' | 'createdAt'>>> {
  return db
    .select({ version: workflowVersions.version, checksum: workflowVersions.checksum, createdAt: workflowVersions.createdAt })
    .from(workflowVersions)
    .where(eq(workflowVersions.workflowId, workflowId))
    .orderBy(desc(workflowVersions.version));
}

/**
 * Soft delete: the workflow leaves listings and takes no new submissions, but
 * its versions stay, so executions already accepted run and read as before.
 * The name becomes free for a new workflow.
 */
export async function softDeleteWorkflow(db: Database, id: string, projectId: string): Promise<Workflow | undefined> {
  const [row] = await db
    .update(workflows)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(workflows.id, id), eq(workflows.projectId, projectId), isNull(workflows.deletedAt)))
    .returning();
  return row;
}
