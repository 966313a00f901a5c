import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { z } from 'zod';
import { ConfigError, envPort, logEnv, parseConfig, toError } from '@flow-like/core';
import { createDatabase, runMigrations } from '@flow-like/db';
import { readApiEnv, startApiService } from '@flow-like/api';
import { readDispatcherEnv, startDispatcherService } from '@flow-like/dispatcher';
import { ensureLocalProject } from './bootstrapProject.js';
import { resolveServices } from './localServices.js';
import { exampleCommands } from './exampleCommands.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const localEnvSchema = z.object({
  ...logEnv,
  PORT: envPort.default(8080),
  FLOW_LIKE_DATA_DIR: z.string().default(join(REPO_ROOT, '.local')),
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_METADATA_BUCKET: z.string().default('flow-like-metadata'),
  S3_CONTENT_BUCKET: z.string().default('flow-like-content'),
  GLOBAL_CONCURRENCY: z.coerce.number().int().positive().default(4),
});

async function readOrCreateSecret(file: string): Promise<string> {
  const saved = await readFile(file, 'utf8').then((t) => t.trim(), () => '');
  if (saved) return saved;
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, token + '\n', { mode: 0o600 });
  return token;
}

let local;
try {
  local = parseConfig(localEnvSchema, process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : toError(error).message);
  process.exit(2);
}
const logger = pino({ level: local.LOG_LEVEL });
await mkdir(local.FLOW_LIKE_DATA_DIR, { recursive: true });

const closers: Array<() => Promise<void>> = [];
try {
  const services = await resolveServices(local, local.FLOW_LIKE_DATA_DIR, logger);
  closers.push(services.stop);
  await runMigrations(services.databaseUrl);
  for (const bucket of [local.S3_METADATA_BUCKET, local.S3_CONTENT_BUCKET]) await services.embeddedS3?.createBucket(bucket);

  // every service sees the same settings it would get from its own environment in a cluster
  const shared = {
    ...process.env,
    ...services.s3,
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    S3_METADATA_BUCKET: local.S3_METADATA_BUCKET,
    S3_CONTENT_BUCKET: local.S3_CONTENT_BUCKET,
    LOG_LEVEL: local.LOG_LEVEL,
  };
  const adminToken = await readOrCreateSecret(join(local.FLOW_LIKE_DATA_DIR, 'admin-token'));
  const database = createDatabase(services.databaseUrl, { maxConnections: 2 });
  const { apiKey } = await ensureLocalProject(database.db, join(local.FLOW_LIKE_DATA_DIR, 'api-key'));
  await database.close();

  const dispatcher = await startDispatcherService(
    readDispatcherEnv({
      ...shared,
      LAUNCHER: 'process',
      METRICS_PORT: '0',
      GLOBAL_CONCURRENCY: String(local.GLOBAL_CONCURRENCY),
      PROCESS_EXECUTOR_COMMAND: JSON.stringify([process.execPath, join(REPO_ROOT, 'executor/dist/main.js')]),
    }),
    logger,
    { cwd: REPO_ROOT },
  );
  closers.unshift(dispatcher.close);
  const api = await startApiService(readApiEnv({ ...shared, PORT: String(local.PORT), HOST: '127.0.0.1', ADMIN_TOKEN: adminToken }), logger);
  closers.unshift(api.close);

  console.log(exampleCommands(api.url, apiKey, local.FLOW_LIKE_DATA_DIR));
} catch (error) {
  logger.error({ err: toError(error).message }, 'local mode failed to start');
  for (const close of closers) await close().catch(() => {});
  process.exit(1);
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    (async () => {
      for (const close of closers) await close().catch(() => {});
    })().then(() => process.exit(0));
  });
}
