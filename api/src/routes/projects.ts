import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Conflict, NotFound } from '@flow-like/core';
import {
  API_KEY_SCOPES,
  createApiKey,
  createProject,
  getProject,
  getProjectByName,
  listApiKeys,
  listProjects,
  revokeApiKey,
  updateProjectLimits,
} from '@flow-like/db';
import { requireAdmin, requireProjectAccess, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { COMMON_ERRORS, problemResponses } from '../openapiResponses.js';
import { presentApiKey, presentProject } from '../presenters.js';
import { apiKeyView, createdKeyView, createKeyBody, createProjectBody, idParam, keyParams, projectView, updateProjectBody } from '../schemas.js';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
const ok = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } });

const createdProjectView = projectView.extend({ apiKey: createdKeyView }).openapi('CreatedProject');

const createProjectRoute = createRoute({
  method: 'post',
  path: '/v1/projects',
  summary: 'Create a project and its first API key with every scope (operator admin token)',
  request: { body: json(createProjectBody) },
  responses: { 201: ok('the project, and its key shown only this once', createdProjectView), ...problemResponses(...COMMON_ERRORS, 409) },
});

const listProjectsRoute = createRoute({
  method: 'get',
  path: '/v1/projects',
  summary: 'Every project (operator admin token)',
  responses: { 200: ok('all projects by name', z.object({ items: z.array(projectView) })), ...problemResponses(...COMMON_ERRORS) },
});

const getProjectRoute = createRoute({
  method: 'get',
  path: '/v1/projects/{id}',
  summary: 'A project and its limits (admin token, or a key of the project with "read")',
  request: { params: idParam },
  responses: { 200: ok('the project', projectView), ...problemResponses(...COMMON_ERRORS, 404) },
});

const updateProjectRoute = createRoute({
  method: 'patch',
  path: '/v1/projects/{id}',
  summary: "Change a project's concurrency limit or queue depth; null restores the default (operator admin token)",
  request: { params: idParam, body: json(updateProjectBody) },
  responses: { 200: ok('the project', projectView), ...problemResponses(...COMMON_ERRORS, 404) },
});

const createKeyRoute = createRoute({
  method: 'post',
  path: '/v1/projects/{id}/keys',
  summary: 'Create an API key (admin token, or a key of the project with "admin"); the key is shown only in this answer',
  request: { params: idParam, body: json(createKeyBody) },
  responses: { 201: ok('the key, shown only this once', createdKeyView), ...problemResponses(...COMMON_ERRORS, 404) },
});

const listKeysRoute = createRoute({
  method: 'get',
  path: '/v1/projects/{id}/keys',
  summary: "The project's keys, revoked ones included, by prefix only",
  request: { params: idParam },
  responses: { 200: ok('the keys', z.object({ items: z.array(apiKeyView) })), ...problemResponses(...COMMON_ERRORS, 404) },
});

const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/projects/{id}/keys/{keyId}',
  summary: 'Revoke a key; requests with it fail from now on',
  request: { params: keyParams },
  responses: { 200: ok('the revoked key', apiKeyView), ...problemResponses(...COMMON_ERRORS, 404) },
});

export function projectRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();

  app.openapi(createProjectRoute, async (c) => {
    requireAdmin(c.get('principal'));
    const body = c.req.valid('json');
    if (await getProjectByName(deps.db, body.name)) throw new Conflict(`a project named ${JSON.stringify(body.name)} exists already`);
    const project = await createProject(deps.db, body);
    const { key, record } = await createApiKey(deps.db, { projectId: project.id, name: 'initial', scopes: API_KEY_SCOPES });
    return c.json({ ...presentProject(project), apiKey: { ...presentApiKey(record), key } }, 201);
  });

  app.openapi(listProjectsRoute, async (c) => {
    requireAdmin(c.get('principal'));
    return c.json({ items: (await listProjects(deps.db)).map(presentProject) }, 200);
  });

  app.openapi(getProjectRoute, async (c) => {
    const { id } = c.req.valid('param');
    requireProjectAccess(c.get('principal'), id, 'read');
    const project = await getProject(deps.db, id);
    if (!project) throw new NotFound('project', id);
    return c.json(presentProject(project), 200);
  });

  app.openapi(updateProjectRoute, async (c) => {
    requireAdmin(c.get('principal'));
    const { id } = c.req.valid('param');
    const project = await updateProjectLimits(deps.db, id, c.req.valid('json'));
    if (!project) throw new NotFound('project', id);
    return c.json(presentProject(project), 200);
  });

  app.openapi(createKeyRoute, async (c) => {
    const { id } = c.req.valid('param');
    requireProjectAccess(c.get('principal'), id, 'admin');
    if (!(await getProject(deps.db, id))) throw new NotFound('project', id);
    const body = c.req.valid('json');
    const { key, record } = await createApiKey(deps.db, { projectId: id, name: body.name, scopes: body.scopes });
    return c.json({ ...presentApiKey(record), key }, 201);
  });

  app.openapi(listKeysRoute, async (c) => {
    const { id } = c.req.valid('param');
    requireProjectAccess(c.get('principal'), id, 'admin');
    if (!(await getProject(deps.db, id))) throw new NotFound('project', id);
    return c.json({ items: (await listApiKeys(deps.db, id)).map(presentApiKey) }, 200);
  });

  app.openapi(revokeKeyRoute, async (c) => {
    const { id, keyId } = c.req.valid('param');
    requireProjectAccess(c.get('principal'), id, 'admin');
    const revoked = await revokeApiKey(deps.db, id, keyId);
    if (!revoked) throw new NotFound('live API key', keyId);
    return c.json(presentApiKey(revoked), 200);
  });

  return app;
}
