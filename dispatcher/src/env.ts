import { z } from 'zod';
import { databaseEnv, envPort, envPositiveInt, logEnv, parseConfig, redisEnv } from '@flow-like/core';
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
    GLOBAL_CONCURRENCY: envPositiveInt.default(50),
    METRICS_PORT: envPort.default(9090),
    PROCESS_EXECUTOR_COMMAND: executorCommand.default(['node', 'executor/dist/main.js']),
    ...kubernetesEnv,
  })
  .superRefine((env, ctx) => {
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
