import { html, raw } from 'hono/html';

/**
 * Pages of the operator surface carry no script and load nothing from
 * elsewhere; the policy makes an injected tag inert even if escaping failed.
 */
export const ADMIN_PAGE_SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export const PAGE_STYLE = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1b1f24; }
  h1 { font-size: 1.4rem; }
  form { display: flex; gap: .5rem; align-items: center; }
  input[type=password] { flex: 1; padding: .4rem; font: inherit; }
  button { padding: .4rem .9rem; font: inherit; }
  .notice { color: #9a1b1b; }
  code, pre { font-family: ui-monospace, monospace; font-size: .85rem; }
`;

/** Only our own pages may be the target after logging in, so the form cannot be used to redirect elsewhere. */
export function safeNextPath(candidate: unknown): string {
  if (typeof candidate !== 'string') return '/admin/queues';
  return /^\/(admin\/queues|docs)(\/[\w\-./]*)?$/.test(candidate) && !candidate.includes('..') ? candidate : '/admin/queues';
}

export interface LoginPageOptions {
  /** where to go after logging in */
  next: string;
  /** why the page is shown, e.g. "sign in to see the queue dashboard" */
  notice: string;
}

export function loginPage(options: LoginPageOptions) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flow-Like operator sign-in</title>
<style>${raw(PAGE_STYLE)}</style>
</head>
<body>
<h1>Flow-Like operator sign-in</h1>
<p class="notice" role="alert">${options.notice}</p>
<form method="post" action="/admin/login">
  <input type="hidden" name="next" value="${safeNextPath(options.next)}">
  <label for="token">Admin token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
</body>
</html>`;
}
