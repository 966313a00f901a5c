import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Conflict } from '@flow-like/core';
import { API_KEY_SCOPES, createApiKey, createProject, getProjectByName } from '@flow-like/db';
import { requireAdmin, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { createProjectBody } from '../schemas.js';

const createProjectRoute = createRoute({
  method: 'post',
  path: '/v1/projects',
  summary: 'Create a project and its first API key (operator admin token)',
  request: { body: { content: { 'application/json': { schema: createProjectBody } }, required: true } },
  responses: {
    201: {
      description: 'the project, and an API key with every scope, shown only this once',
      content: {
        'application/json': {
          schema: z.object({
            id: z.string(),
            name: z.string(),
            concurrencyLimit: z.number().nullable(),
            apiKey: z.object({ id: z.string(), key: z.string(), prefix: z.string(), scopes: z.array(z.string()) }),
          }),
        },
      },
    },
  },
});

export function projectRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.openapi(createProjectRoute, async (c) => {
    requireAdmin(c.get('principal'));
    const body = c.req.valid('json');
    if (await getProjectByName(deps.db, body.name)) throw new Conflict(`a project named ${JSON.stringify(body.name)} exists already`);
    const project = await createProject(deps.db, { name: body.name, concurrencyLimit: body.concurrencyLimit ?? null });
    const { key, record } = await createApiKey(deps.db, { projectId: project.id, name: 'initial', scopes: API_KEY_SCOPES });
    return c.json(
      {
        id: project.id,
        name: project.name,
        concurrencyLimit: project.concurrencyLimit,
        apiKey: { id: record.id, key, prefix: record.prefix, scopes: record.scopes },
      },
      201,
    );
  });
  return app;
}
