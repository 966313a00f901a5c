import { Readable } from 'node:stream';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Conflict, Invalid, isExecutionStatus, isTerminal, LostRace, NotFound, type ExecutionStatus } from '@flow-like/core';
import { getExecution, listExecutions, listStatusHistory, transitionExecution } from '@flow-like/db';
import { requireProject, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { decodeCursor, paginate } from '../cursor.js';
import { COMMON_ERRORS, problemResponses } from '../openapiResponses.js';
import { presentExecution } from '../presenters.js';
import { executionPage, executionView, idParam, listExecutionsQuery, resultQuery } from '../schemas.js';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/executions',
  summary: "The project's executions, newest first, filtered by status, workflow and creation time",
  request: { query: listExecutionsQuery },
  responses: { 200: { description: 'one page', content: { 'application/json': { schema: executionPage } } }, ...problemResponses(...COMMON_ERRORS) },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/executions/{id}',
  summary: 'An execution with its status history',
  request: { params: idParam },
  responses: { 200: { description: 'the execution', content: { 'application/json': { schema: executionView } } }, ...problemResponses(...COMMON_ERRORS, 404) },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/v1/executions/{id}/cancel',
  summary: 'Cancel an execution that has not finished; a queued one never starts, a running one is stopped',
  request: { params: idParam },
  responses: {
    200: { description: 'the cancelled execution', content: { 'application/json': { schema: executionView } } },
    ...problemResponses(...COMMON_ERRORS, 404, 409),
  },
});

const resultRoute = createRoute({
  method: 'get',
  path: '/v1/executions/{id}/result',
  summary: 'The stored result of a succeeded execution, streamed from S3, or a presigned URL to it',
  request: { params: idParam, query: resultQuery },
  responses: {
    200: {
      description: 'the result document, or with presign=true where to download it',
      content: { 'application/json': { schema: z.union([z.object({ output: z.unknown() }), z.object({ url: z.string(), expiresAt: z.string() })]) } },
    },
    ...problemResponses(...COMMON_ERRORS, 404, 409),
  },
});

function parseStatuses(value: string | undefined): ExecutionStatus[] | undefined {
  if (value === undefined) return undefined;
  const statuses = value.split(',').map((s) => s.trim());
  const unknown = statuses.filter((s) => !isExecutionStatus(s));
  if (unknown.length > 0) throw new Invalid(`unknown status ${unknown.map((s) => JSON.stringify(s)).join(', ')}`, '/status');
  return statuses as ExecutionStatus[];
}

export function executionRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const now = deps.now ?? (() => new Date());

  app.openapi(listRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const query = c.req.valid('query');
    const statuses = parseStatuses(query.status);
    const before = decodeCursor(query.cursor);
    const rows = await listExecutions(deps.db, {
      projectId,
      limit: query.limit + 1,
      ...(statuses ? { statuses } : {}),
      ...(query.workflowId ? { workflowId: query.workflowId } : {}),
      ...(query.createdAfter ? { createdAfter: new Date(query.createdAfter) } : {}),
      ...(query.createdBefore ? { createdBefore: new Date(query.createdBefore) } : {}),
      ...(before ? { before } : {}),
    });
    const page = paginate(rows, query.limit);
    return c.json({ items: page.items.map((row) => presentExecution(row)), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const { id } = c.req.valid('param');
    const execution = await getExecution(deps.db, id, projectId);
    if (!execution) throw new NotFound('execution', id);
    return c.json(presentExecution(execution, await listStatusHistory(deps.db, id)), 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const { id } = c.req.valid('param');
    const execution = await getExecution(deps.db, id, projectId);
    if (!execution) throw new NotFound('execution', id);
    // cancelling is idempotent: asking again for a cancelled execution answers as the first time did
    if (execution.status === 'cancelled') return c.json(presentExecution(execution), 200);
    if (isTerminal(execution.status)) throw new Conflict(`execution ${id} already ended (${execution.status})`);
    let cancelled;
    try {
      cancelled = await transitionExecution(deps.db, { id, to: 'cancelled', reason: 'cancelled through the API', set: { finishedAt: now() } });
    } catch (error) {
      if (!(error instanceof LostRace)) throw error;
      const current = await getExecution(deps.db, id, projectId);
      if (current?.status === 'cancelled') return c.json(presentExecution(current), 200);
      throw new Conflict(`execution ${id} ended (${current?.status}) before it could be cancelled`);
    }
    if (execution.status === 'queued') {
      // best effort: a job left behind finds a cancelled row and is dropped by the dispatcher
      await deps.queue.remove(id).catch((error: unknown) => deps.logger.debug({ err: String(error), executionId: id }, 'queued job not removed'));
    }
    return c.json(presentExecution(cancelled), 200);
  });

  app.openapi(resultRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const { id } = c.req.valid('param');
    const execution = await getExecution(deps.db, id, projectId);
    if (!execution) throw new NotFound('execution', id);
    if (!execution.resultKey) throw new Conflict(`execution ${id} has no result (status ${execution.status})`);
    if (c.req.valid('query').presign === 'true') {
      const seconds = deps.limits.presignExpiresSeconds;
      const url = await deps.storage.presignContent(execution.resultKey, seconds);
      return c.json({ url, expiresAt: new Date(now().getTime() + seconds * 1000).toISOString() }, 200);
    }
    const object = await deps.storage.getContent(execution.resultKey);
    if (!object) throw new NotFound('result of execution', id);
    const headers: Record<string, string> = { 'content-type': object.contentType };
    if (object.length !== undefined) headers['content-length'] = String(object.length);
    return new Response(Readable.toWeb(object.body) as ReadableStream, { status: 200, headers }) as never;
  });

  return app;
}
