import { Hono } from 'hono';
import type { ApiDeps } from '../context.js';
import { browserAccess } from './adminAccess.js';
import { adminLoginRoutes } from './adminLogin.js';
import { adminQueueRoutes } from './adminQueues.js';

/** The operator's browser surface: sign-in and the queue dashboard, both behind the admin token. */
export function adminRoutes(deps: ApiDeps): Hono {
  const now = deps.now ?? (() => new Date());
  const access = browserAccess({ db: deps.db, adminToken: deps.adminToken, allowProjectKeys: false, purpose: 'see the queue dashboard', now });
  const app = new Hono();
  app.route('/', adminLoginRoutes(deps.adminToken, now));
  app.route('/', adminQueueRoutes(deps.queue, access));
  return app;
}
