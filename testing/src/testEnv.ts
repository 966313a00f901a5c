import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '@flow-like/core';
import { runMigrations } from '@flow-like/db';
import {
  createBucket,
  createDatabase,
  dropDatabase,
  postgresUrl,
  startPostgres,
  startRedis,
  startS3,
  type PostgresServer,
  type RedisServer,
  type S3Server,
} from '@flow-like/embedded';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** Where the servers of the whole test run listen; handed from globalSetup to test files. */
export interface SharedServices {
  redisUrl: string;
  postgresPort: number;
  /** Migrated database that each test file's database is copied from. */
  templateDatabase: string;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    flowLikeServices: SharedServices;
  }
}

export interface TestEnv {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  s3: S3Settings;
  /** The same settings as environment variables, ready to pass to a spawned service. */
  env: Record<string, string>;
  /** Drops the database, the buckets and the queue keys. */
  cleanup(): Promise<void>;
}

export interface PrivateServices extends Servers {
  env: TestEnv;
}

export const TEMPLATE_DATABASE = 'flow_like_template';

function uniqueName(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export interface Servers {
  redis: RedisServer;
  postgres: PostgresServer;
  s3: S3Server;
  /** Stops the servers (whatever state a test left them in) and removes their files. */
  stopAll(): Promise<void>;
}

/** A temp dir the `postgres` user can enter, since the cluster runs as that user when we are root. */
async function makeServerDirs(): Promise<{ root: string; redis: string; postgres: string; s3: string }> {
  const root = await mkdtemp(join(tmpdir(), 'flow-like-test-'));
  await chmod(root, 0o711);
  const dirs = { root, redis: join(root, 'redis'), postgres: join(root, 'postgres'), s3: join(root, 's3') };
  await Promise.all([mkdir(dirs.redis), mkdir(dirs.postgres), mkdir(dirs.s3)]);
  return dirs;
}

/** Redis, Postgres and S3 servers under a fresh temp dir; none is left running if one fails to start. */
export async function startServers(): Promise<Servers> {
  const dirs = await makeServerDirs();
  const started = await Promise.allSettled([
    startRedis({ dir: dirs.redis }),
    startPostgres({ dir: dirs.postgres }),
    startS3({ dir: dirs.s3 }),
  ]);
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    await rm(dirs.root, { recursive: true, force: true });
  };
  const [redis, postgres, s3] = started;
  if (redis.status === 'fulfilled' && postgres.status === 'fulfilled' && s3.status === 'fulfilled') {
    return { redis: redis.value, postgres: postgres.value, s3: s3.value, stopAll };
  }
  await stopAll();
  throw started.find((result) => result.status === 'rejected')?.reason;
}

export function sharedServicesOf(servers: Servers): SharedServices {
  return {
    redisUrl: servers.redis.url,
    postgresPort: servers.postgres.port,
    templateDatabase: TEMPLATE_DATABASE,
    s3: {
      endpoint: servers.s3.endpoint,
      region: servers.s3.region,
      accessKeyId: servers.s3.accessKeyId,
      secretAccessKey: servers.s3.secretAccessKey,
    },
  };
}

function envVariables(env: Omit<TestEnv, 'env' | 'cleanup'>): Record<string, string> {
  return {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.queuePrefix,
    S3_ENDPOINT: env.s3.endpoint ?? '',
    S3_REGION: env.s3.region,
    S3_ACCESS_KEY_ID: env.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: env.s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: String(env.s3.forcePathStyle),
    S3_METADATA_BUCKET: env.s3.metadataBucket,
    S3_CONTENT_BUCKET: env.s3.contentBucket,
  };
}

/** A client of a test env's S3 server; s3rver does not take the SDK's default checksums. */
export function testS3Client(s3: S3Settings): S3Client {
  return new S3Client({
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

async function deleteBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A database, two buckets and a queue prefix of its own on shared servers,
 * so test files running in parallel never see each other's data.
 */
async function isolatedEnv(
  services: SharedServices,
  database: { name: string; create: (adminUrl: string, databaseUrl: string) => Promise<void> },
): Promise<TestEnv> {
  const id = uniqueName();
  const adminUrl = postgresUrl(services.postgresPort);
  const databaseUrl = postgresUrl(services.postgresPort, database.name);
  const s3: S3Settings = {
    ...services.s3,
    forcePathStyle: true,
    metadataBucket: `test-${id}-metadata`,
    contentBucket: `test-${id}-content`,
  };
  await Promise.all([
    database.create(adminUrl, databaseUrl),
    createBucket(services.s3.endpoint, s3.metadataBucket),
    createBucket(services.s3.endpoint, s3.contentBucket),
  ]);
  const settings = { databaseUrl, redisUrl: services.redisUrl, queuePrefix: `test-${id}`, s3 };
  let cleaning: Promise<void> | undefined;
  const cleanup = async (): Promise<void> => {
    const client = testS3Client(s3);
    try {
      const results = await Promise.allSettled([
        dropDatabase(adminUrl, database.name),
        deleteBucket(client, s3.metadataBucket),
        deleteBucket(client, s3.contentBucket),
        deleteQueueKeys(services.redisUrl, settings.queuePrefix),
      ]);
      const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      if (failures.length > 0) throw new AggregateError(failures, 'test env cleanup failed');
    } finally {
      client.destroy();
    }
  };
  return { ...settings, env: envVariables(settings), cleanup: () => (cleaning ??= cleanup()) };
}

/** Call in `beforeAll`: an isolated env on the servers started by globalSetup, with a migrated database. */
export async function createTestEnv(): Promise<TestEnv> {
  const services = inject('flowLikeServices');
  const name = `test_${uniqueName()}`;
  return isolatedEnv(services, {
    name,
    create: (adminUrl) => createDatabase(adminUrl, name, { template: services.templateDatabase }),
  });
}

/**
 * Servers of its own, for tests that kill and restart Redis, Postgres or S3
 * without disturbing the other test files.
 */
export async function createPrivateServices(): Promise<PrivateServices> {
  const servers = await startServers();
  try {
    const env = await isolatedEnv(sharedServicesOf(servers), {
      name: 'flow_like',
      create: async (adminUrl, databaseUrl) => {
        await createDatabase(adminUrl, 'flow_like');
        await runMigrations(databaseUrl);
      },
    });
    return { ...servers, env };
  } catch (error) {
    await servers.stopAll();
    throw error;
  }
}
