import { z } from 'zod';
import { databaseEnv, envPort, envPositiveInt, logEnv, parseConfig, redisEnv, s3Env } from '@flow-like/core';

export const apiEnvSchema = z.object({
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
  RUN_TIMEOUT_SECONDS: envPositiveInt.default(3_600),
});

export type ApiEnv = z.infer<typeof apiEnvSchema>;

export function readApiEnv(env: Record<string, string | undefined>): ApiEnv {
  return parseConfig(apiEnvSchema, env);
}
