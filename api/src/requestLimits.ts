import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { PayloadTooLarge } from '@flow-like/core';
import type { ApiLimits } from './env.js';

/** Batch submissions may carry up to a thousand inputs; every other body gets the smaller limit. */
export function requestBodyLimit(limits: Pick<ApiLimits, 'maxBodyBytes' | 'maxBatchBodyBytes'>) {
  const refuse = (max: number) => (c: Context) => {
    // the body is refused unread, and the server may drop the connection rather than drain it: keep-alive clients must not reuse it
    c.header('connection', 'close');
    throw new PayloadTooLarge(`the request body is larger than ${max} bytes`);
  };
  const small = bodyLimit({ maxSize: limits.maxBodyBytes, onError: refuse(limits.maxBodyBytes) });
  const large = bodyLimit({ maxSize: limits.maxBatchBodyBytes, onError: refuse(limits.maxBatchBodyBytes) });
  return createMiddleware((c, next) => (c.req.path.endsWith('/executions/batch') ? large(c, next) : small(c, next)));
}
