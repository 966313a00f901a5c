import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { ADMIN_TOKEN, createProject, startApi, type RunningApi } from './apiHarness.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('operator surface: sign-in, queue dashboard and docs', () => {
  let env: TestEnv;
  let api: RunningApi;
  let projectKey: string;

  const get = (path: string, headers: Record<string, string> = {}) => fetch(api.url + path, { headers, redirect: 'manual' });
  const login = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/admin/login`, { method: 'POST', headers: { ...FORM, ...headers }, body: new URLSearchParams(form).toString(), redirect: 'manual' });
  const sessionCookie = async (): Promise<string> => {
    const response = await login({ token: ADMIN_TOKEN });
    return response.headers.get('set-cookie')!.split(';')[0]!;
  };

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env);
    ({ key: projectKey } = await createProject(api, 'operator'));
  });

  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it.each(['/admin/queues', '/admin/queues/api/queues', '/docs'])('%s without a credential is refused with a problem for programs', async (path) => {
    const response = await get(path);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 401, detail: expect.stringContaining('/admin/login') });
  });

  it.each([
    ['/admin/queues', '/admin/queues'],
    ['/docs', '/docs'],
  ])('%s without a credential shows browsers a sign-in form that returns to the page', async (path, next) => {
    const response = await get(path, HTML);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await response.text();
    expect(page).toContain('action="/admin/login"');
    expect(page).toContain(`name="next" value="${next}"`);
    expect(page).not.toContain('<script');
  });

  it('the dashboard opens with the admin token as Bearer or Basic, and lists the execution queue', async () => {
    const bearer = await get('/admin/queues', { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(bearer.status).toBe(200);
    const page = await bearer.text();
    expect(page).toContain('<base href="/admin/queues/"');
    const script = page.match(/src="(static\/js\/main\.[^"]+\.js)"/)![1];
    const asset = await get(`/admin/queues/${script}`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await get(`/admin/queues/${script}`)).status).toBe(401);
    const basic = await get('/admin/queues/api/queues', { authorization: `Basic ${Buffer.from(`operator:${ADMIN_TOKEN}`).toString('base64')}` });
    expect(basic.status).toBe(200);
    const { queues } = (await basic.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(queues.map((q) => q.name)).toEqual(['executions']);
    expect(queues[0]?.readOnlyMode).toBe(true);
  });

  it('a project key opens the docs but not the dashboard; an unknown key opens neither', async () => {
    expect((await get('/docs', { authorization: `Bearer ${projectKey}` })).status).toBe(200);
    const dashboard = await get('/admin/queues', { authorization: `Bearer ${projectKey}` });
    expect(dashboard.status).toBe(403);
    expect(dashboard.headers.get('content-type')).toBe('application/problem+json');
    for (const path of ['/docs', '/admin/queues']) {
      expect((await get(path, { authorization: 'Bearer flk_unknown_key' })).status).toBe(401);
    }
  });

  it('signing in sets an HttpOnly SameSite=Strict cookie that opens the dashboard and the docs', async () => {
    const response = await login({ token: ADMIN_TOKEN, next: '/docs' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/docs');
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    const cookie = setCookie.split(';')[0]!;

    expect((await get('/admin/queues', { cookie, ...HTML })).status).toBe(200);
    expect((await get('/admin/queues/api/queues', { cookie })).status).toBe(200);
    const docs = await get('/docs', { cookie, ...HTML });
    expect(docs.status).toBe(200);
    const page = await docs.text();
    const openapi = (await (await get('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.keys(item).filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method)).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThan(5);
    for (const operation of operations) expect(page).toContain(operation);
  });

  it('the session cookie is no API credential', async () => {
    const response = await get('/v1/workflows', { cookie: await sessionCookie() });
    expect(response.status).toBe(401);
  });

  it('a wrong token sets no cookie: a problem for programs, the form again for browsers', async () => {
    const program = await login({ token: 'not-the-admin-token' });
    expect(program.status).toBe(401);
    expect(program.headers.get('content-type')).toBe('application/problem+json');
    expect(program.headers.get('set-cookie')).toBeNull();
    const browser = await login({ token: 'not-the-admin-token', next: '/docs' }, HTML);
    expect(browser.status).toBe(401);
    expect(browser.headers.get('set-cookie')).toBeNull();
    expect(await browser.text()).toContain('That admin token was not accepted.');
    const missing = await login({});
    expect(missing.status).toBe(401);
  });

  it.each(['//evil.example/', 'https://evil.example/admin/queues', '/v1/projects', '/admin/queues/../../v1/projects'])(
    'signing in never redirects to %s',
    async (next) => {
      const response = await login({ token: ADMIN_TOKEN, next });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/admin/queues');
    },
  );

  it('a sign-in that is not a form, or too large, is a 4xx problem', async () => {
    const json = await fetch(`${api.url}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    expect(json.status).toBe(422);
    expect(await json.json()).toMatchObject({ errors: [{ path: '/content-type' }] });
    const huge = await login({ token: 'x'.repeat(64 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toBe('application/problem+json');
  });

  it('a sign-in refused before its body was read closes its connection, so the next request on it does not fail', async () => {
    const huge = await login({ token: 'x'.repeat(1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('connection')).toBe('close');
    for (let i = 0; i < 3; i++) expect((await get('/healthz')).status).toBe(200);
  });

  it('signing out clears the cookie', async () => {
    const response = await fetch(`${api.url}/admin/logout`, { method: 'POST', headers: { cookie: await sessionCookie() }, redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('set-cookie')).toMatch(/^flow_like_admin=;.*Max-Age=0/);
  });

  it('the dashboard cannot change the queue: it is read-only', async () => {
    const cookie = await sessionCookie();
    const pause = await fetch(`${api.url}/admin/queues/api/queues/executions/pause`, { method: 'PUT', headers: { cookie } });
    expect(pause.status).toBeGreaterThanOrEqual(400);
    expect(pause.status).toBeLessThan(500);
    const { queues } = (await (await get('/admin/queues/api/queues', { cookie })).json()) as { queues: Array<{ isPaused: boolean }> };
    expect(queues[0]?.isPaused).toBe(false);
  });
});
