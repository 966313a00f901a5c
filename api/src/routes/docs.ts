import { Hono } from 'hono';
import type { ApiDeps } from '../context.js';
import { browserAccess } from './adminAccess.js';
import { ADMIN_PAGE_SECURITY_HEADERS } from './adminPages.js';
import { docsPage } from './docsPage.js';

/**
 * The docs page asks for a credential like the dashboard does, so an api
 * reachable from outside does not advertise its surface to anonymous
 * visitors; any project key is enough, not only the operator token.
 * `openApiDocument` returns what the app serves at /openapi.json.
 */
export function docsRoutes(deps: Pick<ApiDeps, 'db' | 'adminToken' | 'now'>, openApiDocument: () => unknown): Hono {
  const access = browserAccess({
    db: deps.db,
    adminToken: deps.adminToken,
    allowProjectKeys: true,
    purpose: 'read the API reference',
    ...(deps.now ? { now: deps.now } : {}),
  });
  const app = new Hono();
  app.get('/docs', access, async (c) => c.html(await docsPage(openApiDocument()), 200, ADMIN_PAGE_SECURITY_HEADERS));
  return app;
}
