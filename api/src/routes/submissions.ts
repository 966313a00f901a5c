import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Conflict, Invalid, NotFound } from '@flow-like/core';
import { findExecutionByIdempotencyKey, getExecution } from '@flow-like/db';
import { queueRoom } from '@flow-like/db/queueRoom';
import { requireProject, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import {
  isIdempotencyConflict,
  prepareExecution,
  replayOrConflict,
  requestHash,
  rejectedItem,
  rejectionError,
  submitToWorkflow,
  type SubmissionGates,
} from '../executionSubmission.js';
import { COMMON_ERRORS, problemResponses } from '../openapiResponses.js';
import { presentExecution } from '../presenters.js';
import { queueRoomGate } from '../queueRoomGate.js';
import { submissionTargets } from '../submissionTargets.js';
import { unstorableJson } from '../storableJson.js';
import { batchSubmitBody, executionView, idempotencyHeaders, idParam, submitExecutionBody } from '../schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

const submitRoute = createRoute({
  method: 'post',
  path: '/v1/workflows/{id}/executions',
  summary: 'Submit an execution of a workflow',
  description: 'The input is validated against the workflow input schema. With an Idempotency-Key, repeating the same request returns the first execution.',
  request: { params: idParam, headers: idempotencyHeaders, body: json(submitExecutionBody) },
  responses: {
    202: { description: 'accepted and queued', content: { 'application/json': { schema: executionView } } },
    200: { description: 'the execution an earlier request with the same Idempotency-Key created', content: { 'application/json': { schema: executionView } } },
    ...problemResponses(...COMMON_ERRORS, 404, 409, 413),
  },
});

const batchRoute = createRoute({
  method: 'post',
  path: '/v1/workflows/{id}/executions/batch',
  summary: 'Submit up to 1,000 executions at once: all are accepted or none',
  request: { params: idParam, body: json(batchSubmitBody) },
  responses: {
    202: { description: 'all accepted and queued, in request order', content: { 'application/json': { schema: z.object({ items: z.array(executionView) }) } } },
    ...problemResponses(...COMMON_ERRORS, 404, 413),
  },
});

const rerunRoute = createRoute({
  method: 'post',
  path: '/v1/executions/{id}/rerun',
  summary: 'Submit a new execution with the same workflow version, input, priority and timeout',
  request: { params: idParam },
  responses: {
    202: { description: 'the new execution', content: { 'application/json': { schema: executionView } } },
    ...problemResponses(...COMMON_ERRORS, 404, 409),
  },
});

/** how long a queue count is reused while the queues are at most half full (queueRoomGate) */
const QUEUE_COUNT_MAX_AGE_MS = 1_000;

export function submissionRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const now = deps.now ?? (() => new Date());
  const gates: SubmissionGates = {
    targets: submissionTargets(deps.db),
    room: queueRoomGate(
      (projectId) => queueRoom(deps.db, projectId, { projectDefault: deps.limits.maxProjectQueueDepth, total: deps.limits.maxQueueDepth }),
      { totalLimit: deps.limits.maxQueueDepth, maxAgeMs: QUEUE_COUNT_MAX_AGE_MS },
    ),
  };

  app.openapi(submitRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    // before hashing: a value nested beyond reason must not reach the recursive serializer
    const unstorable = unstorableJson(body.input, '/input');
    if (unstorable) throw new Invalid([unstorable]);
    const hash = key ? requestHash(id, body) : undefined;
    if (key) {
      const existing = await findExecutionByIdempotencyKey(deps.db, projectId, key);
      if (existing) return c.json(presentExecution(replayOrConflict(existing, hash!)), 200, { 'idempotent-replayed': 'true' });
    }
    try {
      const [execution] = await submitToWorkflow(deps, gates, { projectId, workflowId: id, version: body.version }, (target) => {
        const prepared = prepareExecution(body, target, deps.limits, now());
        if (!('values' in prepared)) throw rejectedItem(prepared);
        return [{ ...prepared.values, idempotencyKey: key ?? null, requestHash: hash ?? null }];
      });
      return c.json(presentExecution(execution!), 202, { location: `/v1/executions/${execution!.id}` });
    } catch (error) {
      // a concurrent request with the same key committed first
      if (!key || !isIdempotencyConflict(error)) throw error;
      const existing = await findExecutionByIdempotencyKey(deps.db, projectId, key);
      if (!existing) throw error;
      return c.json(presentExecution(replayOrConflict(existing, hash!)), 200, { 'idempotent-replayed': 'true' });
    }
  });

  app.openapi(batchRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const rows = await submitToWorkflow(deps, gates, { projectId, workflowId: id, version: body.version }, (target) => {
      const at = now();
      const prepared = body.items.map((item) => prepareExecution(item, target, deps.limits, at));
      const rejected = rejectionError(prepared.flatMap((p, index) => ('values' in p ? [] : [{ prefix: `/items/${index}`, ...p }])));
      if (rejected) throw rejected;
      return prepared.flatMap((p) => ('values' in p ? [p.values] : []));
    });
    return c.json({ items: rows.map((row) => presentExecution(row)) }, 202);
  });

  app.openapi(rerunRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const { id } = c.req.valid('param');
    const original = await getExecution(deps.db, id, projectId);
    if (!original) throw new NotFound('execution', id);
    const request = { projectId, workflowId: original.workflowId, version: original.workflowVersion };
    const [execution] = await submitToWorkflow(deps, gates, request, (target) => {
      const rerun = { input: original.input, priority: original.priority, timeoutSeconds: Math.min(original.timeoutSeconds, deps.limits.maxRunTimeoutSeconds) };
      const prepared = prepareExecution(rerun, target, deps.limits, now());
      if (!('values' in prepared)) throw rejectedItem(prepared);
      return [prepared.values];
    }).catch((error: unknown) => {
      // the execution exists, so its workflow being gone is a conflict with the request, not an unknown resource
      throw error instanceof NotFound ? new Conflict(`workflow ${original.workflowId} was deleted; its executions cannot be rerun`) : error;
    });
    return c.json(presentExecution(execution!), 202, { location: `/v1/executions/${execution!.id}` });
  });

  return app;
}
