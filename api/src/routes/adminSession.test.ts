import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ADMIN_SESSION_COOKIE, ADMIN_SESSION_SECONDS, adminSessionSecret, hasAdminSession, isLiveSession, startAdminSession } from './adminSession.js';

const TOKEN = 'admin-token-0123456789';

function sessionApp(now: () => Date) {
  const app = new Hono();
  app.post('/start', async (c) => {
    await startAdminSession(c, TOKEN, now());
    return c.body(null, 204);
  });
  app.get('/check', async (c) => c.json({ session: await hasAdminSession(c, TOKEN, now()) }));
  return app;
}

function cookieOf(response: Response): string {
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

describe('admin session values', () => {
  it.each([
    ['a future expiry', '2000000000', true],
    ['an expiry that has passed', '1000', false],
    ['the expiry exactly now', '1700000000', false],
    ['no cookie', undefined, false],
    ['a bad signature', false, false],
    ['a value that is not a number', 'admin', false],
    ['a number with a sign', '-2000000000', false],
  ] as const)('%s', (_, value, live) => {
    expect(isLiveSession(value, new Date(1_700_000_000_000))).toBe(live);
  });

  it('signs with a key derived from the admin token, never the token itself', () => {
    expect(adminSessionSecret(TOKEN)).not.toContain(TOKEN);
    expect(adminSessionSecret(TOKEN)).not.toBe(adminSessionSecret(`${TOKEN}x`));
  });
});

describe('admin session cookie', () => {
  it('is HttpOnly, SameSite=Strict and expires with the session', async () => {
    const response = await sessionApp(() => new Date()).request('/start', { method: 'POST' });
    const header = response.headers.get('set-cookie')!;
    expect(header).toMatch(new RegExp(`^${ADMIN_SESSION_COOKIE}=`));
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    expect(header).toContain(`Max-Age=${ADMIN_SESSION_SECONDS}`);
    expect(header).not.toContain('Secure');
    expect(header).not.toContain(TOKEN);
  });

  it('is Secure when the request came over https', async () => {
    const response = await sessionApp(() => new Date()).request('https://api.example/start', { method: 'POST' });
    expect(response.headers.get('set-cookie')).toContain('Secure');
  });

  it('is accepted while live and refused once expired or altered', async () => {
    let now = new Date(1_700_000_000_000);
    const app = sessionApp(() => now);
    const cookie = cookieOf(await app.request('/start', { method: 'POST' }));
    const check = async (value: string) => ((await (await app.request('/check', { headers: { cookie: value } })).json()) as { session: boolean }).session;

    expect(await check(cookie)).toBe(true);
    const [name, signed] = cookie.split('=', 2) as [string, string];
    const decoded = decodeURIComponent(signed);
    const forged = `${name}=${encodeURIComponent(`9999999999${decoded.slice(decoded.indexOf('.'))}`)}`;
    expect(await check(forged)).toBe(false);
    now = new Date(now.getTime() + ADMIN_SESSION_SECONDS * 1000);
    expect(await check(cookie)).toBe(false);
  });

  it('from another admin token is refused', async () => {
    const other = new Hono();
    other.post('/start', async (c) => {
      await startAdminSession(c, `${TOKEN}-rotated`, new Date());
      return c.body(null, 204);
    });
    const cookie = cookieOf(await other.request('/start', { method: 'POST' }));
    const response = await sessionApp(() => new Date()).request('/check', { headers: { cookie } });
    expect(await response.json()).toEqual({ session: false });
  });
});
