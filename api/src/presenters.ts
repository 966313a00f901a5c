import type { Execution, StatusChange, Workflow, WorkflowVersion } from '@flow-like/db';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentExecution(e: Execution, history?: StatusChange[]) {
  return {
    id: e.id,
    projectId: e.projectId,
    workflowId: e.workflowId,
    workflowVersion: e.workflowVersion,
    status: e.status,
    attempt: e.attempt,
    priority: e.priority,
    createdAt: e.createdAt.toISOString(),
    startedAt: iso(e.startedAt),
    finishedAt: iso(e.finishedAt),
    error: e.error ?? null,
    ...(history ? { history: history.map((h) => ({ ...h, at: h.at.toISOString() })) } : {}),
    links: {
      self: `/v1/executions/${e.id}`,
      result: `/v1/executions/${e.id}/result`,
      workflow: `/v1/workflows/${e.workflowId}`,
    },
  };
}

export function presentWorkflow(w: Workflow, v: WorkflowVersion) {
  return {
    id: w.id,
    projectId: w.projectId,
    name: w.name,
    version: v.version,
    latestVersion: w.latestVersion,
    checksum: v.checksum,
    createdAt: v.createdAt.toISOString(),
    links: { self: `/v1/workflows/${w.id}`, executions: `/v1/workflows/${w.id}/executions` },
  };
}
