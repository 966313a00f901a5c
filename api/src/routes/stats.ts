import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { NotFound } from '@flow-like/core';
import { countRunningExecutions, getExecution, getProject, projectQueueStats, type Database } from '@flow-like/db';
import { requireProject, requireProjectAccess, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { COMMON_ERRORS, problemResponses } from '../openapiResponses.js';
import { idParam, statsView, waitView } from '../schemas.js';
import { explainWait } from '../waitReason.js';

const statsRoute = createRoute({
  method: 'get',
  path: '/v1/projects/{id}/stats',
  summary: 'Queued and running executions of a project, its limit and the age of its oldest queued execution',
  request: { params: idParam },
  responses: { 200: { description: 'the numbers now', content: { 'application/json': { schema: statsView } } }, ...problemResponses(...COMMON_ERRORS, 404) },
});

const waitRoute = createRoute({
  method: 'get',
  path: '/v1/executions/{id}/wait',
  summary: 'Why a queued execution has not started yet: delayed, retry backoff, project limit, global limit, or next in line',
  request: { params: idParam },
  responses: { 200: { description: 'the reason', content: { 'application/json': { schema: waitView } } }, ...problemResponses(...COMMON_ERRORS, 404) },
});

async function loadOf(db: Database, projectId: string) {
  const [stats, globalRunning, project] = await Promise.all([projectQueueStats(db, projectId), countRunningExecutions(db), getProject(db, projectId)]);
  return { stats: stats[0], globalRunning, project };
}

export function statsRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const now = deps.now ?? (() => new Date());

  app.openapi(statsRoute, async (c) => {
    const { id } = c.req.valid('param');
    requireProjectAccess(c.get('principal'), id, 'read');
    const { stats, globalRunning, project } = await loadOf(deps.db, id);
    if (!project) throw new NotFound('project', id);
    const oldest = stats?.oldestQueuedAt;
    return c.json(
      {
        projectId: id,
        queued: stats?.queued ?? 0,
        running: stats?.running ?? 0,
        limit: project.concurrencyLimit ?? deps.limits.defaultProjectConcurrency,
        globalRunning,
        globalLimit: deps.limits.globalConcurrency,
        oldestQueuedAgeSeconds: oldest ? Math.max(0, (now().getTime() - oldest.getTime()) / 1000) : null,
      },
      200,
    );
  });

  app.openapi(waitRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const { id } = c.req.valid('param');
    const execution = await getExecution(deps.db, id, projectId);
    if (!execution) throw new NotFound('execution', id);
    const { stats, globalRunning, project } = await loadOf(deps.db, projectId);
    const explained = explainWait({
      status: execution.status,
      attempt: execution.attempt,
      runAt: execution.runAt,
      projectRunning: stats?.running ?? 0,
      projectLimit: project?.concurrencyLimit ?? deps.limits.defaultProjectConcurrency,
      globalRunning,
      globalLimit: deps.limits.globalConcurrency,
      now: now(),
    });
    return c.json(
      {
        id,
        status: execution.status,
        waiting: explained !== undefined,
        reason: explained?.reason ?? null,
        detail: explained?.detail ?? `it is ${execution.status}, not waiting`,
      },
      200,
    );
  });

  return app;
}
