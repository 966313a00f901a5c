import { Readable } from 'node:stream';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Conflict, Invalid, NotFound, newId, parseWorkflowDocument, validateWorkflowInput } from '@flow-like/core';
import { getExecution, getWorkflow, getWorkflowVersion, listStatusHistory, submitExecutions } from '@flow-like/db';
import { requireProject, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { enqueueExecutions } from '../executionQueue.js';
import { presentExecution } from '../presenters.js';
import { executionView, idParam, submitExecutionBody } from '../schemas.js';

const submitRoute = createRoute({
  method: 'post',
  path: '/v1/workflows/{id}/executions',
  summary: 'Submit an execution of a workflow',
  request: { params: idParam, body: { content: { 'application/json': { schema: submitExecutionBody } }, required: true } },
  responses: { 202: { description: 'accepted and queued', content: { 'application/json': { schema: executionView } } } },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/executions/{id}',
  summary: 'An execution with its status history',
  request: { params: idParam },
  responses: { 200: { description: 'the execution', content: { 'application/json': { schema: executionView } } } },
});

const resultRoute = createRoute({
  method: 'get',
  path: '/v1/executions/{id}/result',
  summary: 'The stored result of a succeeded execution, streamed from S3',
  request: { params: idParam },
  responses: { 200: { description: 'the result document', content: { 'application/json': { schema: z.object({ output: z.unknown() }) } } } },
});

export function executionRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const now = deps.now ?? (() => new Date());

  app.openapi(submitRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const workflow = await getWorkflow(deps.db, id, projectId);
    if (!workflow) throw new NotFound('workflow', id);
    const versionNumber = body.version ?? workflow.latestVersion;
    const version = await getWorkflowVersion(deps.db, workflow.id, versionNumber);
    if (!version) throw new Invalid(`workflow version ${versionNumber} does not exist`, '/version');
    validateWorkflowInput(parseWorkflowDocument(version.document), body.input);
    const timeoutSeconds = body.timeoutSeconds ?? deps.limits.runTimeoutSeconds;
    if (timeoutSeconds > deps.limits.runTimeoutSeconds) {
      throw new Invalid(`must be at most ${deps.limits.runTimeoutSeconds}`, '/timeoutSeconds');
    }
    const [execution] = await submitExecutions(
      deps.db,
      [
        {
          id: newId(),
          projectId,
          workflowId: workflow.id,
          workflowVersion: version.version,
          input: body.input ?? null,
          priority: body.priority,
          timeoutSeconds,
        },
      ],
      (rows) => enqueueExecutions(deps.queue, rows, now()),
    );
    return c.json(presentExecution(execution!), 202, { location: `/v1/executions/${execution!.id}` });
  });

  app.openapi(getRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const { id } = c.req.valid('param');
    const execution = await getExecution(deps.db, id, projectId);
    if (!execution) throw new NotFound('execution', id);
    return c.json(presentExecution(execution, await listStatusHistory(deps.db, id)), 200);
  });

  app.openapi(resultRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const { id } = c.req.valid('param');
    const execution = await getExecution(deps.db, id, projectId);
    if (!execution) throw new NotFound('execution', id);
    if (!execution.resultKey) throw new Conflict(`execution ${id} has no result (status ${execution.status})`);
    const object = await deps.storage.getContent(execution.resultKey);
    if (!object) throw new NotFound('result of execution', id);
    const headers: Record<string, string> = { 'content-type': object.contentType };
    if (object.length !== undefined) headers['content-length'] = String(object.length);
    return new Response(Readable.toWeb(object.body) as ReadableStream, { status: 200, headers }) as never;
  });

  return app;
}
