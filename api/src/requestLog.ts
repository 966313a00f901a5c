import { createMiddleware } from 'hono/factory';
import type { Logger } from 'pino';
import type { AuthVariables } from './auth.js';

export type LogVariables = { logger: Logger; requestId: string };

/**
 * One line per request with its id, route, outcome and who made it (key id,
 * never the key), and a child logger carrying the id for the handlers. Headers and query strings are never
 * logged: they may hold API keys or tokens.
 */
export function requestLog(logger: Logger) {
  return createMiddleware<{ Variables: LogVariables & Partial<AuthVariables> }>(async (c, next) => {
    const started = performance.now();
    const log = logger.child({ requestId: c.get('requestId') });
    c.set('logger', log);
    await next();
    const principal = c.get('principal');
    const entry = {
      ...(principal?.kind === 'project' ? { projectId: principal.projectId, keyId: principal.keyId } : principal ? { operator: true } : {}),
      method: c.req.method,
      path: c.req.path,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (c.res.status >= 500) log.error(entry, 'request failed');
    else log.info(entry, 'request');
  });
}
