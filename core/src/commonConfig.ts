import { z } from 'zod';
import { envBoolean, envPositiveInt } from './config.js';

/** Connection settings shared by every service; each service's env.ts extends these. */
export const databaseEnv = {
  DATABASE_URL: z.string().url().describe('postgres://user:password@host:5432/db'),
};

export const redisEnv = {
  REDIS_URL: z.string().url().describe('redis://host:6379'),
  /** Prefix of every BullMQ key, so several installs (or test files) can share one Redis. */
  QUEUE_PREFIX: z.string().min(1).default('flow-like'),
};

export const s3Env = {
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1),
  S3_SECRET_ACCESS_KEY: z.string().min(1),
  S3_FORCE_PATH_STYLE: envBoolean.default(true),
  S3_METADATA_BUCKET: z.string().min(3),
  S3_CONTENT_BUCKET: z.string().min(3),
};

/** The dispatchers apply these limits; the api reads the same variables to explain why an execution waits. */
export const concurrencyEnv = {
  /** executions holding a slot (dispatching, starting, running) in the whole install */
  GLOBAL_CONCURRENCY: envPositiveInt.default(50),
  /** the same per project, unless the project sets its own */
  PROJECT_CONCURRENCY_DEFAULT: envPositiveInt.default(10),
};

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export interface S3Settings {
  endpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  metadataBucket: string;
  contentBucket: string;
}

export function s3SettingsFrom(env: {
  S3_ENDPOINT?: string | undefined;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_FORCE_PATH_STYLE: boolean;
  S3_METADATA_BUCKET: string;
  S3_CONTENT_BUCKET: string;
}): S3Settings {
  return {
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    metadataBucket: env.S3_METADATA_BUCKET,
    contentBucket: env.S3_CONTENT_BUCKET,
  };
}

/** Object keys in the content bucket (DESIGN.md §7). */
export const contentKeys = {
  prefix: (executionId: string, attempt: number) => `executions/${executionId}/${attempt}/`,
  events: (executionId: string, attempt: number, seq: number) =>
    `executions/${executionId}/${attempt}/events/${String(seq).padStart(8, '0')}.ndjson`,
  result: (executionId: string, attempt: number) => `executions/${executionId}/${attempt}/result.json`,
};

/** Object keys in the metadata bucket. */
export const metadataKeys = {
  workflowVersion: (workflowId: string, version: number) => `workflows/${workflowId}/versions/${version}.json`,
};
