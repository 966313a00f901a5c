import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Invalid, metadataKeys, NotFound, parseWorkflowDocument } from '@flow-like/core';
import { getWorkflow, getWorkflowVersion, listWorkflows, listWorkflowVersions, registerWorkflowVersion, softDeleteWorkflow } from '@flow-like/db';
import { requireProject, type AuthVariables } from '../auth.js';
import { canonicalJson } from '../canonicalJson.js';
import type { ApiDeps } from '../context.js';
import { decodeCursor, paginate } from '../cursor.js';
import { COMMON_ERRORS, problemResponses } from '../openapiResponses.js';
import { presentWorkflow, presentWorkflowSummary } from '../presenters.js';
import { idParam, pageQuery, versionQuery, workflowDetailView, workflowSummaryView, workflowVersionView, workflowView } from '../schemas.js';
import { unstorableJson } from '../storableJson.js';
import { parseWorkflowBody } from '../workflowBody.js';

const ok = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });
const documentSchema = z.record(z.string(), z.unknown()).openapi('WorkflowDocument');

const registerRoute = createRoute({
  method: 'post',
  path: '/v1/workflows',
  summary: 'Register a workflow document (JSON or YAML); registering the same name again adds an immutable version',
  request: {
    body: {
      content: { 'application/json': { schema: documentSchema }, 'application/yaml': { schema: z.string() } },
      required: true,
    },
  },
  responses: { 201: ok('the registered version', workflowView), ...problemResponses(...COMMON_ERRORS, 413, 415) },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/workflows',
  summary: "The project's live workflows",
  request: { query: pageQuery },
  responses: { 200: ok('one page', z.object({ items: z.array(workflowSummaryView), nextCursor: z.string().nullable() })), ...problemResponses(...COMMON_ERRORS) },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/workflows/{id}',
  summary: 'A workflow with the document of its latest version, or of the version asked for',
  request: { params: idParam, query: versionQuery },
  responses: { 200: ok('the workflow version', workflowDetailView), ...problemResponses(...COMMON_ERRORS, 404) },
});

const versionsRoute = createRoute({
  method: 'get',
  path: '/v1/workflows/{id}/versions',
  summary: 'Every version of a workflow, newest first',
  request: { params: idParam },
  responses: { 200: ok('the versions', z.object({ items: z.array(workflowVersionView) })), ...problemResponses(...COMMON_ERRORS, 404) },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/v1/workflows/{id}',
  summary: 'Delete a workflow: it takes no new executions; executions already accepted run on',
  request: { params: idParam },
  responses: { 204: { description: 'deleted' }, ...problemResponses(...COMMON_ERRORS, 404) },
});

export function workflowRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();

  app.openapi(registerRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const raw = parseWorkflowBody(await c.req.text(), c.req.header('content-type'));
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Invalid('a workflow document must be an object');
    const unstorable = unstorableJson(raw, '');
    if (unstorable) throw new Invalid([unstorable]);
    const document = parseWorkflowDocument(raw);
    const body = canonicalJson(document);
    const { workflow, version } = await registerWorkflowVersion(
      deps.db,
      {
        projectId,
        name: document.name,
        document,
        checksum: createHash('sha256').update(body).digest('hex'),
        documentKey: metadataKeys.workflowVersion,
      },
      (v) => deps.storage.putMetadata(v.documentKey!, body),
    );
    return c.json(presentWorkflow(workflow, version), 201, { location: `/v1/workflows/${workflow.id}` });
  });

  app.openapi(listRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const query = c.req.valid('query');
    const after = decodeCursor(query.cursor);
    const rows = await listWorkflows(deps.db, projectId, { ...(after ? { after } : {}), limit: query.limit + 1 });
    const page = paginate(rows, query.limit);
    return c.json({ items: page.items.map(presentWorkflowSummary), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const { id } = c.req.valid('param');
    const workflow = await getWorkflow(deps.db, id, projectId);
    if (!workflow) throw new NotFound('workflow', id);
    const number = c.req.valid('query').version ?? workflow.latestVersion;
    const version = await getWorkflowVersion(deps.db, workflow.id, number);
    if (!version) throw new NotFound(`version of workflow ${id}`, String(number));
    return c.json({ ...presentWorkflow(workflow, version), document: version.document }, 200);
  });

  app.openapi(versionsRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const { id } = c.req.valid('param');
    const workflow = await getWorkflow(deps.db, id, projectId);
    if (!workflow) throw new NotFound('workflow', id);
    const versions = await listWorkflowVersions(deps.db, workflow.id);
    return c.json({ items: versions.map((v) => ({ version: v.version, checksum: v.checksum, createdAt: v.createdAt.toISOString() })) }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const { id } = c.req.valid('param');
    if (!(await softDeleteWorkflow(deps.db, id, projectId))) throw new NotFound('workflow', id);
    return c.body(null, 204);
  });

  return app;
}
