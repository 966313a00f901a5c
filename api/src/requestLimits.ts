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
  return createMiddleware((c, next) => {
    const batch = c.req.path.endsWith('/executions/batch');
    const max = batch ? limits.maxBatchBodyBytes : limits.maxBodyBytes;
    // A declared length is checked from the header: Node's parser delivers no
    // more than it, and leaving the body untouched lets it be read straight off
    // the socket instead of through a web stream. Chunked bodies are counted.
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined && /^\d+$/.test(length)) {
      return Number(length) > max ? refuse(max)(c) : next();
    }
    return batch ? large(c, next) : small(c, next);
  });
}
