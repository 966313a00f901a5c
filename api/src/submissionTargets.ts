import { LRUCache } from 'lru-cache';
import { Invalid, NotFound, type WorkflowDocument } from '@flow-like/core';
import { getLiveWorkflowVersion, type Database } from '@flow-like/db';
import { parsedWorkflowDocument } from './workflowDocumentCache.js';

/** The workflow version a submission runs. */
export interface SubmissionTarget {
  projectId: string;
  workflowId: string;
  version: number;
  document: WorkflowDocument;
}

export interface TargetRequest {
  projectId: string;
  workflowId: string;
  /** absent: the latest version */
  version?: number | undefined;
}

export interface SubmissionTargets {
  /** the live workflow's version asked for, read from Postgres unless a read is cached; throws NotFound or Invalid */
  get(request: TargetRequest, options?: { fresh?: boolean }): Promise<SubmissionTarget>;
}

/** The live workflow of the project and the version asked for (latest when absent), read from Postgres. */
async function readSubmissionTarget(db: Database, request: TargetRequest): Promise<SubmissionTarget> {
  const found = await getLiveWorkflowVersion(db, request.workflowId, request.projectId, request.version);
  if (!found) throw new NotFound('workflow', request.workflowId);
  const { workflow, version } = found;
  if (!version) throw new Invalid(`workflow version ${request.version ?? workflow.latestVersion} does not exist`, '/version');
  return { projectId: workflow.projectId, workflowId: workflow.id, version: version.version, document: parsedWorkflowDocument(version) };
}

/**
 * Reads of submission targets, cached per replica. A cached read may be
 * stale (the workflow deleted, a newer version registered), which is safe
 * because the insert re-checks both (submitExecutions → WorkflowChanged) and
 * the caller then asks again with `fresh`.
 */
export function submissionTargets(db: Database): SubmissionTargets {
  const cache = new LRUCache<string, SubmissionTarget>({ max: 1_000 });
  return {
    async get(request, options = {}) {
      const key = `${request.projectId}/${request.workflowId}/${request.version ?? 'latest'}`;
      const cached = options.fresh ? undefined : cache.get(key);
      if (cached) return cached;
      cache.delete(key);
      const target = await readSubmissionTarget(db, request);
      cache.set(key, target);
      return target;
    },
  };
}
