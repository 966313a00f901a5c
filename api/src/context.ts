import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '@flow-like/db';
import type { ExecutionQueue } from './executionQueue.js';
import type { Storage } from './storage.js';

/** Everything the routes touch, built once in main.ts. */
export interface ApiDeps {
  db: Database;
  redis: Redis;
  queue: ExecutionQueue;
  storage: Storage;
  logger: Logger;
  adminToken: string;
  limits: { runTimeoutSeconds: number };
  now?: () => Date;
}
