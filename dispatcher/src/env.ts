import { z } from 'zod';
import { concurrencyEnv, databaseEnv, envPort, envPositiveInt, logEnv, parseConfig, redisEnv } from '@flow-like/core';
import { checkKubernetesEnv, kubernetesEnv } from './kubernetes/env.js';

export const EXECUTOR_S3_VARIABLES = [
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_FORCE_PATH_STYLE',
  'S3_METADATA_BUCKET',
  'S3_CONTENT_BUCKET',
] as const;
type ExecutorS3Variable = (typeof EXECUTOR_S3_VARIABLES)[number];

const executorCommand = z
  .string()
  .transform((value, ctx) => {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((p) => typeof p === 'string')) return parsed as string[];
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings, e.g. ["node","executor/dist/main.js"]' });
    return z.NEVER;
  });

export const dispatcherEnvSchema = z
  .object({
    ...databaseEnv,
    ...redisEnv,
    ...logEnv,
    // passed through to executor processes, which validate them
    ...Object.fromEntries(EXECUTOR_S3_VARIABLES.map((name) => [name, z.string().optional()])) as Record<ExecutorS3Variable, z.ZodOptional<z.ZodString>>,
    LAUNCHER: z.enum(['process', 'kubernetes']).default('process'),
    ...concurrencyEnv,
    /** most executions one admission round takes */
    ADMISSION_BATCH: envPositiveInt.default(200),
    /** launches (Job creates, process spawns) in progress at once per replica */
    LAUNCH_CONCURRENCY: envPositiveInt.default(32),
    /** admission runs on every wake-up and at least this often */
    ADMISSION_INTERVAL_MS: envPositiveInt.default(1_000),
    HEARTBEAT_INTERVAL_MS: envPositiveInt.default(5_000),
    /** an attempt nobody vouched for this long is adopted by another replica or declared lost */
    STALE_AFTER_SECONDS: envPositiveInt.default(30),
    /** how often expiries and stale attempts are looked for */
    SWEEP_INTERVAL_MS: envPositiveInt.default(5_000),
    /** how often executions queued in Postgres but missing from Redis are enqueued again */
    RECONCILE_INTERVAL_MS: envPositiveInt.default(30_000),
    QUEUE_WAIT_SECONDS: envPositiveInt.default(300),
    MAX_RUN_SECONDS: envPositiveInt.default(86_400),
    /** extra time past a run's deadline before a run nobody watches is timed out from the database */
    RUN_DEADLINE_GRACE_SECONDS: envPositiveInt.default(60),
    RETRY_BASE_DELAY_MS: envPositiveInt.default(1_000),
    RETRY_MAX_DELAY_MS: envPositiveInt.default(60_000),
    /** relaunches of attempts lost before the executor claimed them, beyond the execution's own attempts */
    UNCLAIMED_RETRY_ALLOWANCE: z.coerce.number().int().min(0).default(2),
    /** on SIGTERM, how long running executions may finish before they are handed back */
    SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).default(25),
    METRICS_PORT: envPort.default(9090),
    PROCESS_EXECUTOR_COMMAND: executorCommand.default(['node', 'executor/dist/main.js']),
    ...kubernetesEnv,
  })
  .superRefine((env, ctx) => {
    if (env.STALE_AFTER_SECONDS * 1_000 < 3 * env.HEARTBEAT_INTERVAL_MS) {
      ctx.addIssue({ code: 'custom', path: ['STALE_AFTER_SECONDS'], message: 'must be at least three heartbeat intervals (HEARTBEAT_INTERVAL_MS)' });
    }
    if (env.RETRY_MAX_DELAY_MS < env.RETRY_BASE_DELAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['RETRY_MAX_DELAY_MS'], message: 'must not be below RETRY_BASE_DELAY_MS' });
    }
    if (env.LAUNCHER === 'kubernetes') {
      checkKubernetesEnv(env, ctx);
      return;
    }
    // the process launcher hands these to each executor child
    for (const name of ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_METADATA_BUCKET', 'S3_CONTENT_BUCKET'] as const) {
      if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when LAUNCHER=process' });
    }
  });

export type DispatcherEnv = z.infer<typeof dispatcherEnvSchema>;

export function readDispatcherEnv(env: Record<string, string | undefined>): DispatcherEnv {
  return parseConfig(dispatcherEnvSchema, env);
}
