import type { ApiKeyRecord, Execution, Project, StatusChange, Workflow, WorkflowVersion } from '@flow-like/db';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentExecution(e: Execution, history?: StatusChange[]) {
  return {
    id: e.id,
    projectId: e.projectId,
    workflowId: e.workflowId,
    workflowVersion: e.workflowVersion,
    status: e.status,
    statusReason: e.statusReason,
    attempt: e.attempt,
    priority: e.priority,
    runAt: iso(e.runAt),
    timeoutSeconds: e.timeoutSeconds,
    createdAt: e.createdAt.toISOString(),
    queuedAt: e.queuedAt.toISOString(),
    startedAt: iso(e.startedAt),
    finishedAt: iso(e.finishedAt),
    error: e.error ?? null,
    ...(history ? { history: history.map((h) => ({ ...h, at: h.at.toISOString() })) } : {}),
    links: {
      self: `/v1/executions/${e.id}`,
      result: `/v1/executions/${e.id}/result`,
      events: `/v1/executions/${e.id}/events`,
      workflow: `/v1/workflows/${e.workflowId}`,
    },
  };
}

export function presentWorkflow(w: Workflow, v: Pick<WorkflowVersion, 'version' | 'checksum' | 'createdAt'>) {
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

export function presentWorkflowSummary(w: Workflow) {
  return {
    id: w.id,
    projectId: w.projectId,
    name: w.name,
    latestVersion: w.latestVersion,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
    links: { self: `/v1/workflows/${w.id}`, executions: `/v1/workflows/${w.id}/executions` },
  };
}

export function presentProject(p: Project) {
  return { id: p.id, name: p.name, concurrencyLimit: p.concurrencyLimit, maxQueueDepth: p.maxQueueDepth, createdAt: p.createdAt.toISOString() };
}

export function presentApiKey(k: Omit<ApiKeyRecord, 'hash'>) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: k.createdAt.toISOString(),
    revokedAt: iso(k.revokedAt),
    lastUsedAt: iso(k.lastUsedAt),
  };
}
