import { problemView } from './schemas.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'malformed request (e.g. not JSON)',
  401: 'no valid API key',
  403: 'the key lacks a scope or the route needs the admin token',
  404: 'not found, or it belongs to another project',
  409: 'conflicts with the current state',
  413: 'body or input too large',
  422: 'invalid fields, each listed with its JSON pointer',
  429: 'rate limit or queue depth reached; see Retry-After',
  503: 'a dependency (PostgreSQL, Redis, S3) is unavailable; nothing was stored',
};

/** The problem+json answers a route may give, for the OpenAPI document. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: DESCRIPTIONS[status] ?? 'error', content: { 'application/problem+json': { schema: problemView } } },
    ]),
  ) as Record<number, { description: string; content: { 'application/problem+json': { schema: typeof problemView } } }>;
}

export const COMMON_ERRORS = [400, 401, 403, 422, 429, 503] as const;
