import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { Forbidden, Unauthorized } from '@flow-like/core';
import type { Database } from '@flow-like/db';
import { credentialOf, resolvePrincipal } from '../auth.js';
import { ADMIN_PAGE_SECURITY_HEADERS, loginPage } from './adminPages.js';
import { hasAdminSession } from './adminSession.js';

export interface BrowserAccessOptions {
  db: Database;
  adminToken: string;
  /** project API keys (sent as a header) may pass too, not only the operator */
  allowProjectKeys: boolean;
  /** what the sign-in page says the visitor was about to see */
  purpose: string;
  now?: () => Date;
}

function wantsPage(c: Context): boolean {
  return c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
}

/**
 * Guards pages people open in a browser. Programs send the token as
 * `Authorization` (Bearer or Basic); a browser cannot on navigation, so it
 * carries the signed session cookie that POST /admin/login sets. Refusals are
 * a sign-in page for browsers and problem+json for everything else.
 */
export function browserAccess(options: BrowserAccessOptions) {
  const now = options.now ?? (() => new Date());
  return createMiddleware(async (c, next) => {
    const credential = credentialOf(c.req.header('authorization'));
    if (credential) {
      const principal = await resolvePrincipal(options.db, options.adminToken, credential);
      if (!principal) throw new Unauthorized('the token is unknown or revoked');
      if (principal.kind === 'project' && !options.allowProjectKeys) throw new Forbidden('this page needs the operator admin token');
      return next();
    }
    if (await hasAdminSession(c, options.adminToken, now())) return next();
    if (wantsPage(c)) {
      const page = await loginPage({ next: c.req.path, notice: `Sign in with the admin token to ${options.purpose}.` });
      return c.html(page, 401, ADMIN_PAGE_SECURITY_HEADERS);
    }
    throw new Unauthorized('send the admin token as "Authorization: Bearer <token>" or sign in at /admin/login');
  });
}
