import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { Invalid } from '@flow-like/core';
import { authenticate, type AuthVariables } from './auth.js';
import type { ApiDeps } from './context.js';
import { httpMetrics } from './metrics.js';
import { errorToResponse, problem } from './problem.js';
import { rateLimit } from './rateLimit.js';
import { requestBodyLimit } from './requestLimits.js';
import { requestLog, type LogVariables } from './requestLog.js';
import { adminRoutes } from './routes/admin.js';
import { docsRoutes } from './routes/docs.js';
import { eventRoutes } from './routes/events.js';
import { executionRoutes } from './routes/executions.js';
import { healthRoutes } from './routes/health.js';
import { projectRoutes } from './routes/projects.js';
import { statsRoutes } from './routes/stats.js';
import { submissionRoutes } from './routes/submissions.js';
import { workflowRoutes } from './routes/workflows.js';

export type AppEnv = { Variables: AuthVariables & LogVariables };

const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'Flow-Like API', version: '1', description: 'Submit and follow workflow executions. Errors are RFC 9457 problem+json.' },
  security: [{ apiKey: [] }],
};

export function buildApp(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>({
    // request validation failures become one 422 problem listing every field
    defaultHook: (result) => {
      if (!result.success) {
        throw new Invalid(
          result.error.issues.map((issue) => ({ path: '/' + issue.path.map(String).join('/'), message: issue.message })),
        );
      }
    },
  });
  // ids from clients are echoed only when short and plain, so they cannot forge log lines
  app.use('*', requestId({ limitLength: 64 }));
  app.use('*', requestLog(deps.logger));
  app.use('*', httpMetrics(deps.metrics));
  app.onError((error, c) => errorToResponse(error, c, (err) => (c.get('logger') ?? deps.logger).error({ err }, 'request failed')));
  app.notFound((c) => problem(c, 404, 'not-found', 'Not found', `no route for ${c.req.method} ${c.req.path}`));

  app.route('/', healthRoutes(deps));
  app.route('/', adminRoutes(deps));
  app.route('/', docsRoutes(deps, () => app.getOpenAPI31Document(OPENAPI_DOCUMENT)));
  app.get('/metrics', async (c) => c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }));
  app.use('/v1/*', requestBodyLimit(deps.limits));
  app.use('/v1/*', authenticate(deps.db, deps.adminToken));
  app.use('/v1/*', rateLimit(deps.limits.rateLimit));
  app.route('/', projectRoutes(deps));
  app.route('/', workflowRoutes(deps));
  app.route('/', submissionRoutes(deps));
  app.route('/', executionRoutes(deps));
  app.route('/', eventRoutes(deps));
  app.route('/', statsRoutes(deps));

  app.doc31('/openapi.json', OPENAPI_DOCUMENT);
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  return app;
}

export type ApiApp = ReturnType<typeof buildApp>;
