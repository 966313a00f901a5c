import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createDatabase, pingDatabase } from '@flow-like/db';
import type { DispatcherEnv } from './env.js';
import type { Launcher } from './launcher.js';
import { launcherFromEnv } from './launcherFromEnv.js';
import { startStatusServer } from './statusServer.js';
import { createExecutionWorker } from './worker.js';

export interface DispatcherService {
  statusPort: number;
  close(): Promise<void>;
}

export interface DispatcherOverrides {
  /** a launcher built by the caller (tests, local mode) instead of the one LAUNCHER names */
  launcher?: Launcher;
  /** working directory of executor processes */
  cwd?: string;
}

export async function startDispatcherService(env: DispatcherEnv, logger: Logger, overrides: DispatcherOverrides = {}): Promise<DispatcherService> {
  const database = createDatabase(env.DATABASE_URL, { maxConnections: 20, applicationName: 'flow-like-dispatcher' });
  // a BullMQ worker must never give up on a command: it waits for Redis to come back
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const launcher = overrides.launcher ?? launcherFromEnv(env, logger, overrides.cwd);
  const worker = createExecutionWorker({ db: database.db, launcher, logger }, { connection: redis, prefix: env.QUEUE_PREFIX, concurrency: env.GLOBAL_CONCURRENCY });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const status = await startStatusServer(env.METRICS_PORT, registry, async () => {
    await Promise.all([pingDatabase(database.db), redis.ping()]);
    return true;
  });
  logger.info({ launcher: env.LAUNCHER, concurrency: env.GLOBAL_CONCURRENCY, statusPort: status.port }, 'dispatcher started');

  let closing: Promise<void> | undefined;
  const close = async () => {
    for (const step of [() => worker.close(), () => launcher.close(), () => status.close(), () => redis.quit(), () => database.close()]) {
      try {
        await step();
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'error while closing');
      }
    }
  };
  return { statusPort: status.port, close: () => (closing ??= close()) };
}
