import { Hono } from 'hono';
import { pingDatabase } from '@flow-like/db';
import type { ApiDeps } from '../context.js';

const READY_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await within(probe(), READY_TIMEOUT_MS);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function healthRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const [postgres, redis] = await Promise.all([check(() => pingDatabase(deps.db)), check(() => deps.redis.ping())]);
    const ready = postgres === 'ok' && redis === 'ok';
    return c.json({ status: ready ? 'ready' : 'unavailable', checks: { postgres, redis } }, ready ? 200 : 503);
  });
  return app;
}
