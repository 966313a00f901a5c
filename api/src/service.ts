import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { s3SettingsFrom } from '@flow-like/core';
import { createDatabase, projectQueueStats } from '@flow-like/db';
import { buildApp } from './app.js';
import { limitsFrom, type ApiEnv } from './env.js';
import { createExecutionQueue } from './executionQueue.js';
import { createMetrics } from './metrics.js';
import { createNotificationHub } from './notificationHub.js';
import { recordOutcomes } from './outcomeMetrics.js';
import { createStorage } from './storage.js';

export interface ApiService {
  url: string;
  /** stop accepting, end live streams, let in-flight requests finish (up to the grace period), then close clients */
  close(): Promise<void>;
}

/** Build the api's clients from its configuration and start listening. */
export async function startApiService(env: ApiEnv, logger: Logger): Promise<ApiService> {
  const database = createDatabase(env.DATABASE_URL, {
    applicationName: 'flow-like-api',
    connectionTimeoutMillis: env.DATABASE_CONNECT_TIMEOUT_MS,
  });
  // fail fast while Redis is away instead of queueing commands in memory
  const redis = new Redis(env.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queue = createExecutionQueue(redis, env.QUEUE_PREFIX);
  queue.on('error', () => {});
  const storage = createStorage(s3SettingsFrom(env));
  const notifications = await createNotificationHub(database.pool, logger);
  const metrics = createMetrics(() => projectQueueStats(database.db), () => new Date());
  const stopOutcomes = recordOutcomes(notifications, database.db, metrics, logger);
  const shutdown = new AbortController();
  const app = buildApp({
    db: database.db,
    redis,
    queue,
    storage,
    logger,
    adminToken: env.ADMIN_TOKEN,
    limits: limitsFrom(env),
    notifications,
    metrics,
    shutdown: shutdown.signal,
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${port}`;
  logger.info({ url }, 'api listening');

  const stopServer = () =>
    new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        logger.warn('requests still open after the grace period; closing their connections');
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }, env.SHUTDOWN_GRACE_SECONDS * 1000);
      force.unref();
      // keep-alive connections hold close() open once their last request is done: drop them as they go idle
      const closeIdle = () => (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      const sweep = setInterval(closeIdle, 50);
      server.close(() => {
        clearTimeout(force);
        clearInterval(sweep);
        resolve();
      });
      closeIdle();
      shutdown.abort();
    });

  let closing: Promise<void> | undefined;
  const close = async () => {
    const steps: Array<() => Promise<unknown>> = [
      stopServer,
      async () => stopOutcomes(),
      () => notifications.close(),
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
