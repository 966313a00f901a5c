import { z } from 'zod';
import { concurrencyEnv, databaseEnv, envPort, envPositiveInt, logEnv, parseConfig, redisEnv, s3Env } from '@flow-like/core';

const MiB = 1024 * 1024;

export const apiEnvSchema = z
  .object({
    ...databaseEnv,
    ...redisEnv,
    ...s3Env,
    ...logEnv,
    PORT: envPort.default(8080),
    HOST: z.string().default('0.0.0.0'),
    /** operator token for bootstrapping projects and keys and for the queue dashboard */
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
    MAX_QUEUE_DEPTH: envPositiveInt.default(10_000),
    MAX_PROJECT_QUEUE_DEPTH: envPositiveInt.default(10_000),
    ...concurrencyEnv,
    RUN_TIMEOUT_SECONDS: envPositiveInt.default(3_600),
    MAX_RUN_TIMEOUT_SECONDS: envPositiveInt.optional(),
    MAX_BODY_BYTES: envPositiveInt.default(MiB),
    MAX_BATCH_BODY_BYTES: envPositiveInt.default(16 * MiB),
    MAX_INPUT_BYTES: envPositiveInt.default(256 * 1024),
    RATE_LIMIT_PER_SECOND: envPositiveInt.default(100),
    RATE_LIMIT_BURST: envPositiveInt.default(200),
    PRESIGN_EXPIRES_SECONDS: envPositiveInt.default(300),
    EVENTS_POLL_INTERVAL_MS: envPositiveInt.default(1_000),
    DATABASE_CONNECT_TIMEOUT_MS: envPositiveInt.default(2_000),
    SHUTDOWN_GRACE_SECONDS: envPositiveInt.default(25),
  })
  .superRefine((env, ctx) => {
    if (env.MAX_RUN_TIMEOUT_SECONDS !== undefined && env.MAX_RUN_TIMEOUT_SECONDS < env.RUN_TIMEOUT_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['MAX_RUN_TIMEOUT_SECONDS'], message: 'must not be below RUN_TIMEOUT_SECONDS' });
    }
    if (env.MAX_BATCH_BODY_BYTES < env.MAX_BODY_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['MAX_BATCH_BODY_BYTES'], message: 'must not be below MAX_BODY_BYTES' });
    }
  });

export type ApiEnv = z.infer<typeof apiEnvSchema>;

export function readApiEnv(env: Record<string, string | undefined>): ApiEnv {
  return parseConfig(apiEnvSchema, env);
}

/** The limits the routes enforce, derived once from the configuration. */
export interface ApiLimits {
  maxQueueDepth: number;
  maxProjectQueueDepth: number;
  globalConcurrency: number;
  defaultProjectConcurrency: number;
  runTimeoutSeconds: number;
  maxRunTimeoutSeconds: number;
  maxBodyBytes: number;
  maxBatchBodyBytes: number;
  maxInputBytes: number;
  maxBatchSize: number;
  rateLimit: { perSecond: number; burst: number };
  presignExpiresSeconds: number;
  eventsPollIntervalMs: number;
}

export function limitsFrom(env: ApiEnv): ApiLimits {
  return {
    maxQueueDepth: env.MAX_QUEUE_DEPTH,
    maxProjectQueueDepth: env.MAX_PROJECT_QUEUE_DEPTH,
    globalConcurrency: env.GLOBAL_CONCURRENCY,
    defaultProjectConcurrency: env.PROJECT_CONCURRENCY_DEFAULT,
    runTimeoutSeconds: env.RUN_TIMEOUT_SECONDS,
    maxRunTimeoutSeconds: env.MAX_RUN_TIMEOUT_SECONDS ?? env.RUN_TIMEOUT_SECONDS,
    maxBodyBytes: env.MAX_BODY_BYTES,
    maxBatchBodyBytes: env.MAX_BATCH_BODY_BYTES,
    maxInputBytes: env.MAX_INPUT_BYTES,
    maxBatchSize: 1_000,
    rateLimit: { perSecond: env.RATE_LIMIT_PER_SECOND, burst: env.RATE_LIMIT_BURST },
    presignExpiresSeconds: env.PRESIGN_EXPIRES_SECONDS,
    eventsPollIntervalMs: env.EVENTS_POLL_INTERVAL_MS,
  };
}
