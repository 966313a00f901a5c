import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { Invalid } from '@flow-like/core';
import { authenticate, type AuthVariables } from './auth.js';
import type { ApiDeps } from './context.js';
import { errorToResponse, problem } from './problem.js';
import { executionRoutes } from './routes/executions.js';
import { healthRoutes } from './routes/health.js';
import { projectRoutes } from './routes/projects.js';
import { workflowRoutes } from './routes/workflows.js';

export function buildApp(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>({
    // request validation failures become one 422 problem listing every field
    defaultHook: (result) => {
      if (!result.success) {
        throw new Invalid(
          result.error.issues.map((issue) => ({ path: '/' + issue.path.map(String).join('/'), message: issue.message })),
        );
      }
    },
  });
  app.use('*', requestId());
  app.onError((error, c) => errorToResponse(error, c, (err) => deps.logger.error({ err, path: c.req.path }, 'request failed')));
  app.notFound((c) => problem(c, 404, 'not-found', 'Not found', `no route for ${c.req.method} ${c.req.path}`));

  app.route('/', healthRoutes(deps));
  app.use('/v1/*', authenticate(deps.db, deps.adminToken));
  app.route('/', projectRoutes(deps));
  app.route('/', workflowRoutes(deps));
  app.route('/', executionRoutes(deps));
  return app;
}

export type ApiApp = ReturnType<typeof buildApp>;
