import { timingSafeEqual, createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { Forbidden, NotFound, Unauthorized } from '@flow-like/core';
import { findApiKey, touchApiKey, type ApiKeyScope, type Database } from '@flow-like/db';

export type Principal =
  | { kind: 'admin' }
  | { kind: 'project'; projectId: string; keyId: string; scopes: readonly ApiKeyScope[] };

export type AuthVariables = { principal: Principal };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The configured token's digest, computed once rather than on every request. */
let adminDigest: { token: string; digest: Buffer } | undefined;

/** Constant-time comparison of equal-length digests, so the token cannot be guessed byte by byte. */
export function isAdminToken(candidate: string, adminToken: string): boolean {
  if (adminDigest?.token !== adminToken) adminDigest = { token: adminToken, digest: digest(adminToken) };
  return timingSafeEqual(digest(candidate), adminDigest.digest);
}

/**
 * The credential of a request: `Bearer <key>` for programs, or HTTP Basic with
 * the key as password for people in a browser (dashboard, docs).
 */
export function credentialOf(header: string | undefined): string | undefined {
  const bearer = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (bearer) return bearer[1];
  const basic = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  return password || undefined;
}

const TOUCH_INTERVAL_MS = 60_000;

/** Records "last used" at most once a minute per key, off the request path. */
function keyToucher(db: Database) {
  const touched = new Map<string, number>();
  return (keyId: string) => {
    const now = Date.now();
    if ((touched.get(keyId) ?? 0) > now - TOUCH_INTERVAL_MS) return;
    touched.set(keyId, now);
    touchApiKey(db, keyId).catch(() => touched.delete(keyId));
  };
}

export async function resolvePrincipal(db: Database, adminToken: string, credential: string | undefined): Promise<Principal | undefined> {
  if (!credential) return undefined;
  if (isAdminToken(credential, adminToken)) return { kind: 'admin' };
  const key = await findApiKey(db, credential);
  if (!key) return undefined;
  return { kind: 'project', projectId: key.projectId, keyId: key.id, scopes: key.scopes as ApiKeyScope[] };
}

export function authenticate(db: Database, adminToken: string) {
  const touch = keyToucher(db);
  return createMiddleware<{ Variables: AuthVariables }>(async (c, next) => {
    const credential = credentialOf(c.req.header('authorization'));
    if (!credential) throw new Unauthorized('send an API key as "Authorization: Bearer <key>"');
    const principal = await resolvePrincipal(db, adminToken, credential);
    if (!principal) throw new Unauthorized('the API key is unknown or revoked');
    if (principal.kind === 'project') touch(principal.keyId);
    c.set('principal', principal);
    return next();
  });
}

function hasScope(scopes: readonly ApiKeyScope[], scope: ApiKeyScope): boolean {
  return scopes.includes(scope) || scopes.includes('admin');
}

/** The project a request acts for; throws unless a project key with the scope made it. */
export function requireProject(principal: Principal, scope: ApiKeyScope): string {
  if (principal.kind !== 'project') throw new Forbidden('this route needs a project API key');
  if (!hasScope(principal.scopes, scope)) throw new Forbidden(`the API key lacks the "${scope}" scope`);
  return principal.projectId;
}

/**
 * Routes under /v1/projects/{id}: the operator token reaches every project, a
 * project key only its own; another project reads as "not found", so keys
 * cannot even probe which project ids exist.
 */
export function requireProjectAccess(principal: Principal, projectId: string, scope: ApiKeyScope): void {
  if (principal.kind === 'admin') return;
  if (principal.projectId !== projectId) throw new NotFound('project', projectId);
  if (!hasScope(principal.scopes, scope)) throw new Forbidden(`the API key lacks the "${scope}" scope`);
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== 'admin') throw new Forbidden('this route needs the operator admin token');
}
