import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';

/** Debian's chromium; `scripts/ensure-system-packages.sh --browser` installs it. */
const CHROMIUM = '/usr/bin/chromium';

describe('operator pages in a real browser', () => {
  let env: TestEnv;
  let system: RunningSystem;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const freshPage = async () => {
    const context = await browser.newContext();
    contexts.push(context);
    return { context, page: await context.newPage() };
  };

  beforeAll(async () => {
    env = await createTestEnv();
    system = await startSystem(env);
    await createProjectKey(system, 'browser');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await system?.close();
    await env?.cleanup();
  });

  it.each(['/admin/queues', '/docs'])('%s without signing in is refused with a sign-in form', async (path) => {
    const { page } = await freshPage();
    const response = await page.goto(system.apiUrl + path);
    expect(response?.status()).toBe(401);
    await page.getByRole('heading', { name: 'Flow-Like operator sign-in' }).waitFor();
    expect(await page.getByLabel('Admin token').count()).toBe(1);
    expect(await page.getByText('executions', { exact: true }).count()).toBe(0);
  });

  it('a wrong admin token is refused and leaves no cookie', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${system.apiUrl}/admin/queues`);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That admin token was not accepted.').waitFor();
    expect(await context.cookies()).toEqual([]);
  });

  it('after signing in, the dashboard shows the execution queue and the docs page lists the operations', async () => {
    const { context, page } = await freshPage();
    await page.goto(`${system.apiUrl}/admin/queues`);
    await page.getByLabel('Admin token').fill(system.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${system.apiUrl}/admin/queues`);
    await page.getByText('executions', { exact: true }).first().waitFor();

    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'flow_like_admin', httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(system.adminToken);

    const docs = await page.goto(`${system.apiUrl}/docs`);
    expect(docs?.status()).toBe(200);
    const operations = page.getByRole('navigation', { name: 'operations' }).getByRole('link');
    await operations.first().waitFor();
    const listed = await operations.allTextContents();
    expect(listed).toContain('POST /v1/workflows/{id}/executions');
    expect(listed).toContain('GET /v1/executions/{id}');
  });
});
