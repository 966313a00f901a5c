import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { toError } from '@flow-like/core';
import { createDatabase, pingDatabase, type Execution } from '@flow-like/db';
import { createAdmissionLoop } from './admissionLoop.js';
import type { DispatcherEnv } from './env.js';
import type { Launcher } from './launcher.js';
import { launcherFromEnv } from './launcherFromEnv.js';
import { reconcileQueue } from './queueReconciler.js';
import { sweepOnce } from './recoverySweep.js';
import { repeatEvery } from './repeatEvery.js';
import { createRunSupervisor } from './runSupervisor.js';
import { startStatusServer } from './statusServer.js';
import { listenForStatusChanges } from './statusListener.js';
import { createExecutionQueue, createWakeWorker, jobOf } from './wakeQueue.js';

export interface DispatcherService {
  statusPort: number;
  /** graceful: stop admitting, let runs finish within the grace period, hand the rest back */
  close(): Promise<void>;
}

export interface DispatcherOverrides {
  /** a launcher built by the caller (tests, local mode, benchmarks) instead of the one LAUNCHER names */
  launcher?: Launcher;
  /** working directory of executor processes */
  cwd?: string;
}

export async function startDispatcherService(env: DispatcherEnv, logger: Logger, overrides: DispatcherOverrides = {}): Promise<DispatcherService> {
  // background work only: waiting for a busy pool beats failing and retrying
  const database = createDatabase(env.DATABASE_URL, { maxConnections: 20, connectionTimeoutMillis: 30_000, applicationName: 'flow-like-dispatcher' });
  const db = database.db;
  // the worker must never give up on a command: it waits for Redis to come back
  const workerRedis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  // the producer fails fast instead, so a Redis outage never blocks recording an ending
  const producerRedis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  for (const redis of [workerRedis, producerRedis]) redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
  const queue = createExecutionQueue(producerRedis, env.QUEUE_PREFIX);
  // without a listener BullMQ prints connection errors to stderr; the Redis client above already logs them
  queue.on('error', () => {});
  const launcher = overrides.launcher ?? launcherFromEnv(env, logger, overrides.cwd);
  const warn = (what: string) => (error: unknown) => logger.warn({ err: toError(error).message }, what);

  const enqueue = async (execution: Execution) => {
    await queue.addBulk([jobOf(execution, new Date())]).catch(warn('enqueueing a retry failed; the reconciler will'));
  };

  let admission: ReturnType<typeof createAdmissionLoop> | undefined;
  const wake = () => admission?.wake();
  const supervisor = createRunSupervisor({
    db,
    launcher,
    logger,
    heartbeatIntervalMs: env.HEARTBEAT_INTERVAL_MS,
    launchConcurrency: env.LAUNCH_CONCURRENCY,
    retry: { baseDelayMs: env.RETRY_BASE_DELAY_MS, maxDelayMs: env.RETRY_MAX_DELAY_MS, unclaimedAllowance: env.UNCLAIMED_RETRY_ALLOWANCE },
    onRequeued: enqueue,
    onSlotFreed: wake,
  });
  admission = createAdmissionLoop({
    db,
    logger,
    limits: { global: env.GLOBAL_CONCURRENCY, projectDefault: env.PROJECT_CONCURRENCY_DEFAULT },
    batch: env.ADMISSION_BATCH,
    intervalMs: env.ADMISSION_INTERVAL_MS,
    onAdmitted: (executions) => executions.forEach(supervisor.launch),
  });
  const stopListening = await listenForStatusChanges(database.pool, logger, {
    onChange: (notice) => {
      supervisor.observe(notice.id, notice.status, notice.attempt);
      // a new or returning queued execution, or a slot freed anywhere in the install
      if (notice.status === 'queued' || ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(notice.status)) wake();
    },
    onReconnected: wake,
  });
  const worker = createWakeWorker({ connection: workerRedis, prefix: env.QUEUE_PREFIX, logger, wake });
  const sweeps = repeatEvery(
    env.SWEEP_INTERVAL_MS,
    async () => {
      const freed = await sweepOnce(
        { db, supervisor, logger },
        {
          staleAfterSeconds: env.STALE_AFTER_SECONDS,
          queueWaitSeconds: env.QUEUE_WAIT_SECONDS,
          maxRunSeconds: env.MAX_RUN_SECONDS,
          runDeadlineGraceSeconds: env.RUN_DEADLINE_GRACE_SECONDS,
        },
      );
      if (freed > 0) wake();
    },
    warn('recovery sweep failed'),
  );
  const reconciler = repeatEvery(
    env.RECONCILE_INTERVAL_MS,
    async () => {
      const added = await reconcileQueue(db, queue, producerRedis);
      if (added > 0) logger.info({ added }, 're-enqueued executions missing from Redis');
    },
    warn('queue reconcile failed'),
  );

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'flow_like_dispatcher_held_attempts', help: 'attempts this replica launched or adopted and still watches', registers: [registry], collect() {
    this.set(supervisor.heldCount());
  } });
  const status = await startStatusServer(env.METRICS_PORT, registry, async () => {
    await Promise.all([pingDatabase(db), workerRedis.ping()]);
    return true;
  });
  logger.info({ launcher: env.LAUNCHER, global: env.GLOBAL_CONCURRENCY, statusPort: status.port }, 'dispatcher started');

  const close = async () => {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['admission', () => admission.stop()],
      ['queue worker', () => worker.close()],
      ['sweeps', () => sweeps.stop()],
      ['reconciler', () => reconciler.stop()],
      ['running executions', () => supervisor.drain(env.SHUTDOWN_GRACE_SECONDS * 1_000)],
      ['supervisor', () => supervisor.close()],
      ['launcher', () => launcher.close()],
      ['notifications', () => stopListening()],
      ['status server', () => status.close()],
      ['queue', () => queue.close()],
      ['redis', () => Promise.all([workerRedis.quit(), producerRedis.quit()])],
      ['database', () => database.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        logger.warn({ step: name, err: toError(error).message }, 'error while closing');
      }
    }
  };
  let closing: Promise<void> | undefined;
  return { statusPort: status.port, close: () => (closing ??= close()) };
}
