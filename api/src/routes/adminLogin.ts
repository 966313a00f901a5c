import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Invalid, PayloadTooLarge, Unauthorized } from '@flow-like/core';
import { isAdminToken } from '../auth.js';
import { ADMIN_PAGE_SECURITY_HEADERS, loginPage, safeNextPath } from './adminPages.js';
import { endAdminSession, startAdminSession } from './adminSession.js';

const LOGIN_BODY_BYTES = 16 * 1024;
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

function acceptsHtml(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/html');
}

async function readLoginForm(c: Context): Promise<{ token: unknown; next: unknown }> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) throw new Invalid(`send the form as ${FORM_TYPES.join(' or ')}, not "${type || 'no content type'}"`, '/content-type');
  try {
    const form = await c.req.parseBody();
    return { token: form.token, next: form.next };
  } catch {
    throw new Invalid('the form body could not be parsed', '/body');
  }
}

/**
 * Signing in turns the admin token, sent once in a POST body (never in a URL,
 * where proxies would log it), into an HttpOnly, SameSite=Strict session
 * cookie the dashboard and docs pages accept.
 */
export function adminLoginRoutes(adminToken: string, now: () => Date = () => new Date()): Hono {
  const app = new Hono();
  app.get('/admin/login', async (c) => {
    const page = await loginPage({ next: safeNextPath(c.req.query('next')), notice: 'Sign in with the admin token.' });
    return c.html(page, 200, ADMIN_PAGE_SECURITY_HEADERS);
  });
  app.post(
    '/admin/login',
    bodyLimit({
      maxSize: LOGIN_BODY_BYTES,
      onError: (c) => {
        // the rest of the body stays unread, so this connection cannot carry another request
        c.header('connection', 'close');
        throw new PayloadTooLarge(`the sign-in form is larger than ${LOGIN_BODY_BYTES} bytes`);
      },
    }),
    async (c) => {
      const form = await readLoginForm(c);
      const next = safeNextPath(form.next);
      if (typeof form.token !== 'string' || !isAdminToken(form.token, adminToken)) {
        if (!acceptsHtml(c)) throw new Unauthorized('the admin token was not accepted');
        const page = await loginPage({ next, notice: 'That admin token was not accepted.' });
        return c.html(page, 401, ADMIN_PAGE_SECURITY_HEADERS);
      }
      await startAdminSession(c, adminToken, now());
      return c.redirect(next, 303);
    },
  );
  app.post('/admin/logout', (c) => {
    endAdminSession(c);
    return c.redirect('/admin/login', 303);
  });
  return app;
}
