import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { assertNever, DomainError, type InvalidIssue, Invalid, TooManyRequests, toError } from '@flow-like/core';
import { classifyDataError } from './dataErrors.js';
import { classifyDependencyError } from './dependencyErrors.js';

/** RFC 9457 problem details. `errors` lists every invalid field with its JSON pointer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: InvalidIssue[];
}

const TYPE_BASE = 'https://flow-like.io/problems/';

export function problem(c: Context, status: ContentfulStatusCode, kind: string, title: string, detail: string, extra: Partial<Problem> = {}): Response {
  const body: Problem = { type: TYPE_BASE + kind, title, status, detail, instance: c.req.path, ...extra };
  return c.body(JSON.stringify(body), status, { 'content-type': 'application/problem+json' });
}

function statusOf(error: DomainError): ContentfulStatusCode {
  switch (error.kind) {
    case 'not_found':
      return 404;
    case 'conflict':
    case 'lost_race':
      return 409;
    case 'invalid':
      return 422;
    case 'unavailable':
      return 503;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'too_many_requests':
      return 429;
    case 'payload_too_large':
      return 413;
    default:
      return assertNever(error.kind);
  }
}

const HTTP_PROBLEMS: Partial<Record<number, [string, string]>> = {
  400: ['malformed-request', 'Malformed request'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
};

/**
 * The one place errors become HTTP: domain errors carry their meaning, anything
 * else is our fault and is logged, never shown (no stack traces to clients).
 */
export function errorToResponse(thrown: unknown, c: Context, log: (err: Error) => void): Response {
  const error = classifyDataError(classifyDependencyError(thrown));
  if (error instanceof DomainError) {
    const status = statusOf(error);
    if (error instanceof TooManyRequests) c.header('retry-after', String(error.retryAfterSeconds));
    if (status === 503) c.header('retry-after', '5');
    return problem(c, status, error.kind.replace(/_/g, '-'), error.name, error.message, error instanceof Invalid ? { errors: error.issues } : {});
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const [kind, title] = HTTP_PROBLEMS[status] ?? ['http', 'HTTP error'];
    return problem(c, status, kind, title, error.message || 'request refused');
  }
  log(toError(error));
  return problem(c, 500, 'internal', 'Internal error', 'the server failed to handle this request; it has been logged');
}
