import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';

export const ADMIN_SESSION_COOKIE = 'flow_like_admin';
export const ADMIN_SESSION_SECONDS = 8 * 60 * 60;

/**
 * The cookie's signing key comes from the admin token, so every api replica
 * accepts a session any replica started, and rotating the token ends all
 * sessions. The cookie holds only an expiry: never the token itself.
 */
export function adminSessionSecret(adminToken: string): string {
  return createHmac('sha256', adminToken).update('flow-like admin session').digest('hex');
}

/** Whether a signed session value (its expiry in epoch seconds) is still valid at `now`. */
export function isLiveSession(value: string | false | undefined, now: Date): boolean {
  if (!value || !/^\d{1,15}$/.test(value)) return false;
  return Number(value) > Math.floor(now.getTime() / 1000);
}

function isSecureRequest(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

export async function startAdminSession(c: Context, adminToken: string, now: Date): Promise<void> {
  const expires = Math.floor(now.getTime() / 1000) + ADMIN_SESSION_SECONDS;
  await setSignedCookie(c, ADMIN_SESSION_COOKIE, String(expires), adminSessionSecret(adminToken), {
    httpOnly: true,
    sameSite: 'Strict',
    secure: isSecureRequest(c),
    path: '/',
    maxAge: ADMIN_SESSION_SECONDS,
  });
}

export async function hasAdminSession(c: Context, adminToken: string, now: Date): Promise<boolean> {
  return isLiveSession(await getSignedCookie(c, adminSessionSecret(adminToken), ADMIN_SESSION_COOKIE), now);
}

export function endAdminSession(c: Context): void {
  deleteCookie(c, ADMIN_SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isSecureRequest(c) });
}
