import { z } from 'zod';
import { databaseEnv, envPositiveInt, logEnv, parseConfig, s3Env } from '@flow-like/core';

export const executorEnvSchema = z.object({
  ...databaseEnv,
  ...s3Env,
  ...logEnv,
  EXECUTION_ID: z.string().uuid(),
  EXECUTION_ATTEMPT: z.coerce.number().int().positive(),
  /**
   * When the launcher stops the run for its deadline (ISO time). Without it the
   * deadline is the execution's timeout counted from the attempt's move to
   * dispatching, which is when the launcher's own clock started too.
   */
  EXECUTION_DEADLINE: z.iso.datetime({ offset: true }).optional(),
  /** a SIGTERM this close to the deadline is the deadline's, so the run ends `timed_out`, not `cancelled` */
  DEADLINE_SLACK_SECONDS: envPositiveInt.default(30),
  /** how long after SIGTERM the executor may flush and record before it exits anyway (below the pod's grace period) */
  SHUTDOWN_GRACE_SECONDS: envPositiveInt.default(20),
  HEARTBEAT_SECONDS: envPositiveInt.default(5),
  /** the longest an event waits before it is written to the content bucket */
  EVENT_FLUSH_MS: envPositiveInt.max(1_000).default(500),
  /** serialized step outputs above this size are stored as objects and referenced */
  INLINE_OUTPUT_BYTES: envPositiveInt.default(256 * 1024),
  /** how long a write to S3 or Postgres is retried through an outage before the run gives up on it */
  STORE_RETRY_SECONDS: envPositiveInt.default(60),
});

export type ExecutorEnv = z.infer<typeof executorEnvSchema>;

export function readExecutorEnv(env: Record<string, string | undefined>): ExecutorEnv {
  return parseConfig(executorEnvSchema, env);
}
