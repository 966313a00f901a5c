import { describe, expect, it } from 'vitest';
import { loginPage, safeNextPath } from './adminPages.js';

describe('the page to return to after signing in', () => {
  it.each([
    ['/admin/queues', '/admin/queues'],
    ['/admin/queues/queue/executions', '/admin/queues/queue/executions'],
    ['/docs', '/docs'],
    ['//evil.example/admin/queues', '/admin/queues'],
    ['https://evil.example/docs', '/admin/queues'],
    ['/admin/queues/../../v1/projects', '/admin/queues'],
    ['/admin/queues\\@evil.example', '/admin/queues'],
    ['/docsevil', '/admin/queues'],
    ['/v1/projects', '/admin/queues'],
    [undefined, '/admin/queues'],
    [42, '/admin/queues'],
  ])('%s goes to %s', (candidate, expected) => {
    expect(safeNextPath(candidate)).toBe(expected);
  });
});

describe('the sign-in page', () => {
  it('posts the token in a password field to /admin/login', async () => {
    const page = String(await loginPage({ next: '/docs', notice: 'Sign in.' }));
    expect(page).toContain('<form method="post" action="/admin/login">');
    expect(page).toContain('name="token" type="password"');
    expect(page).toContain('name="next" value="/docs"');
  });

  it('escapes what it shows', async () => {
    const page = String(await loginPage({ next: '/docs', notice: '<script>alert(1)</script>' }));
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;');
  });
});
