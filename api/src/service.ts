import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { s3SettingsFrom } from '@flow-like/core';
import { createDatabase } from '@flow-like/db';
import { buildApp } from './app.js';
import type { ApiEnv } from './env.js';
import { createExecutionQueue } from './executionQueue.js';
import { createStorage } from './storage.js';

export interface ApiService {
  url: string;
  close(): Promise<void>;
}

/** Build the api's clients from its configuration and start listening. */
export async function startApiService(env: ApiEnv, logger: Logger): Promise<ApiService> {
  const database = createDatabase(env.DATABASE_URL, { applicationName: 'flow-like-api' });
  // fail fast while Redis is away instead of queueing commands in memory
  const redis = new Redis(env.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queue = createExecutionQueue(redis, env.QUEUE_PREFIX);
  queue.on('error', () => {});
  const storage = createStorage(s3SettingsFrom(env));
  const app = buildApp({
    db: database.db,
    redis,
    queue,
    storage,
    logger,
    adminToken: env.ADMIN_TOKEN,
    limits: { runTimeoutSeconds: env.RUN_TIMEOUT_SECONDS },
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${port}`;
  logger.info({ url }, 'api listening');

  let closing: Promise<void> | undefined;
  const close = async () => {
    const steps: Array<() => Promise<unknown>> = [
      () => new Promise<void>((resolve) => server.close(() => resolve())),
      () => queue.close(),
      () => redis.quit(),
      () => database.close(),
      async () => storage.close(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'error while closing');
      }
    }
  };
  return { url, close: () => (closing ??= close()) };
}
