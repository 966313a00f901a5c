import { Hono } from 'hono';
import type { Database } from '@flow-like/db';
import { browserAccess } from './adminAccess.js';
import { ADMIN_PAGE_SECURITY_HEADERS } from './adminPages.js';
import { docsPage } from './docsPage.js';

export interface DocsRouteOptions {
  db: Database;
  adminToken: string;
  /** the OpenAPI document the app serves at /openapi.json */
  openApiDocument: () => unknown;
}

/**
 * The docs page asks for a credential like the dashboard does, so an api
 * reachable from outside does not advertise its surface to anonymous
 * visitors; any project key is enough, not only the operator token.
 */
export function docsRoutes(options: DocsRouteOptions): Hono {
  const app = new Hono();
  app.get(
    '/docs',
    browserAccess({ db: options.db, adminToken: options.adminToken, allowProjectKeys: true, purpose: 'read the API reference' }),
    async (c) => c.html(await docsPage(options.openApiDocument()), 200, ADMIN_PAGE_SECURITY_HEADERS),
  );
  return app;
}
