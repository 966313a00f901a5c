import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Conflict, Invalid, NotFound, parseWorkflowDocument } from '@flow-like/core';
import { findExecutionByIdempotencyKey, getExecution, getWorkflow, getWorkflowVersion } from '@flow-like/db';
import { requireProject, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import {
  acceptExecutions,
  checkQueueDepth,
  isIdempotencyConflict,
  prepareExecution,
  replayOrConflict,
  requestHash,
  rejectedItem,
  rejectionError,
  resolveWorkflowVersion,
} from '../executionSubmission.js';
import { COMMON_ERRORS, problemResponses } from '../openapiResponses.js';
import { presentExecution } from '../presenters.js';
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

export function submissionRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const now = deps.now ?? (() => new Date());

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
    const target = await resolveWorkflowVersion(deps.db, projectId, id, body.version);
    const prepared = prepareExecution(
      body,
      { projectId, workflowId: target.workflow.id, version: target.version.version, document: target.document },
      deps.limits,
      now(),
    );
    if (!('values' in prepared)) throw rejectedItem(prepared);
    await checkQueueDepth(deps.db, projectId, 1, deps.limits);
    try {
      const [execution] = await acceptExecutions(deps, [{ ...prepared.values, idempotencyKey: key ?? null, requestHash: hash ?? null }]);
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
    const target = await resolveWorkflowVersion(deps.db, projectId, id, body.version);
    const spec = { projectId, workflowId: target.workflow.id, version: target.version.version, document: target.document };
    const at = now();
    const prepared = body.items.map((item) => prepareExecution(item, spec, deps.limits, at));
    const rejected = rejectionError(prepared.flatMap((p, index) => ('values' in p ? [] : [{ prefix: `/items/${index}`, ...p }])));
    if (rejected) throw rejected;
    const values = prepared.flatMap((p) => ('values' in p ? [p.values] : []));
    await checkQueueDepth(deps.db, projectId, values.length, deps.limits);
    const rows = await acceptExecutions(deps, values);
    return c.json({ items: rows.map((row) => presentExecution(row)) }, 202);
  });

  app.openapi(rerunRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const { id } = c.req.valid('param');
    const original = await getExecution(deps.db, id, projectId);
    if (!original) throw new NotFound('execution', id);
    const workflow = await getWorkflow(deps.db, original.workflowId, projectId);
    if (!workflow) throw new Conflict(`workflow ${original.workflowId} was deleted; its executions cannot be rerun`);
    const version = await getWorkflowVersion(deps.db, workflow.id, original.workflowVersion);
    if (!version) throw new Conflict(`workflow version ${original.workflowVersion} is gone`);
    const prepared = prepareExecution(
      { input: original.input, priority: original.priority, timeoutSeconds: Math.min(original.timeoutSeconds, deps.limits.maxRunTimeoutSeconds) },
      { projectId, workflowId: workflow.id, version: version.version, document: parseWorkflowDocument(version.document) },
      deps.limits,
      now(),
    );
    if (!('values' in prepared)) throw rejectedItem(prepared);
    await checkQueueDepth(deps.db, projectId, 1, deps.limits);
    const [execution] = await acceptExecutions(deps, [prepared.values]);
    return c.json(presentExecution(execution!), 202, { location: `/v1/executions/${execution!.id}` });
  });

  return app;
}
