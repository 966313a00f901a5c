import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Invalid, metadataKeys, parseWorkflowDocument } from '@flow-like/core';
import { registerWorkflowVersion } from '@flow-like/db';
import { requireProject, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { presentWorkflow } from '../presenters.js';

const registerWorkflowRoute = createRoute({
  method: 'post',
  path: '/v1/workflows',
  summary: 'Register a workflow document; registering the same name again adds an immutable version',
  request: { body: { content: { 'application/json': { schema: z.object({}).passthrough().openapi('WorkflowDocument') } }, required: true } },
  responses: { 201: { description: 'the registered version', content: { 'application/json': { schema: z.object({ id: z.string(), version: z.number() }).passthrough() } } } },
});

/** Stable serialization, so the checksum of a document does not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function workflowRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.openapi(registerWorkflowRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'submit');
    const raw: unknown = c.req.valid('json');
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Invalid('a workflow document must be a JSON object');
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
    return c.json(presentWorkflow(workflow, version), 201);
  });
  return app;
}
