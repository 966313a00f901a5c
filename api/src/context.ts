import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '@flow-like/db';
import type { ApiLimits } from './env.js';
import type { ExecutionQueue } from './executionQueue.js';
import type { ApiMetrics } from './metrics.js';
import type { NotificationHub } from './notificationHub.js';
import type { Storage } from './storage.js';

/** Everything the routes touch, built once in service.ts (or by a test). */
export interface ApiDeps {
  db: Database;
  redis: Redis;
  queue: ExecutionQueue;
  storage: Storage;
  logger: Logger;
  adminToken: string;
  limits: ApiLimits;
  notifications: NotificationHub;
  metrics: ApiMetrics;
  /** aborted when the service starts to stop: long-lived streams end cleanly */
  shutdown: AbortSignal;
  now?: () => Date;
}
