import { z } from 'zod';
import { databaseEnv, logEnv, parseConfig, s3Env } from '@flow-like/core';

export const executorEnvSchema = z.object({
  ...databaseEnv,
  ...s3Env,
  ...logEnv,
  EXECUTION_ID: z.string().uuid(),
  EXECUTION_ATTEMPT: z.coerce.number().int().positive(),
});

export type ExecutorEnv = z.infer<typeof executorEnvSchema>;

export function readExecutorEnv(env: Record<string, string | undefined>): ExecutorEnv {
  return parseConfig(executorEnvSchema, env);
}
