import { timingSafeEqual, createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { Forbidden, Unauthorized } from '@flow-like/core';
import { findApiKey, type ApiKeyScope, type Database } from '@flow-like/db';

export type Principal =
  | { kind: 'admin' }
  | { kind: 'project'; projectId: string; keyId: string; scopes: readonly ApiKeyScope[] };

export type AuthVariables = { principal: Principal };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison of equal-length digests, so the token cannot be guessed byte by byte. */
export function isAdminToken(candidate: string, adminToken: string): boolean {
  return timingSafeEqual(digest(candidate), digest(adminToken));
}

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

export function authenticate(db: Database, adminToken: string) {
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const token = bearer(c.req.header('authorization'));
    if (!token) throw new Unauthorized('send an API key as "Authorization: Bearer <key>"');
    if (isAdminToken(token, adminToken)) {
      c.set('principal', { kind: 'admin' });
      return next();
    }
    const key = await findApiKey(db, token);
    if (!key) throw new Unauthorized('the API key is unknown or revoked');
    c.set('principal', { kind: 'project', projectId: key.projectId, keyId: key.id, scopes: key.scopes as ApiKeyScope[] });
    return next();
  });
}

/** The project a request acts for; throws unless a project key with the scope made it. */
export function requireProject(principal: Principal, scope: ApiKeyScope): string {
  if (principal.kind !== 'project') throw new Forbidden('this route needs a project API key');
  if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
    throw new Forbidden(`the API key lacks the "${scope}" scope`);
  }
  return principal.projectId;
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== 'admin') throw new Forbidden('this route needs the operator admin token');
}
