import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pingRedis, startRedis, type RedisServer } from '@flow-like/embedded';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateServices, type PrivateServices } from './testEnv.js';
import { waitFor } from './waitFor.js';

describe('private servers survive being killed', () => {
  let services: PrivateServices;

  beforeAll(async () => {
    services = await createPrivateServices();
  });

  afterAll(async () => {
    await services?.stopAll();
  });

  it('redis comes back on the same port after SIGKILL, empty, and a client reconnects', async () => {
    const redis = new Redis(services.redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 20 });
    redis.on('error', () => undefined);
    try {
      await redis.set('greeting', 'hello');
      await services.redis.kill();
      expect(await pingRedis(services.redis.port)).toBe(false);
      await services.redis.restart();
      expect(services.redis.url).toBe(`redis://127.0.0.1:${services.redis.port}`);
      expect(await waitFor(() => redis.ping(), { message: 'the client to reconnect' })).toBe('PONG');
      expect(await redis.get('greeting')).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('postgres comes back on the same port after SIGKILL with its data, and a pool reconnects', async () => {
    const pool = new pg.Pool({ connectionString: services.env.databaseUrl, connectionTimeoutMillis: 2000 });
    pool.on('error', () => undefined);
    try {
      await pool.query('CREATE TABLE survivors (name text)');
      await pool.query("INSERT INTO survivors VALUES ('kept')");
      await services.postgres.kill();
      await expect(pool.query('SELECT 1')).rejects.toThrow();
      await services.postgres.restart();
      const rows = await waitFor(async () => (await pool.query<{ name: string }>('SELECT name FROM survivors')).rows, {
        message: 'the pool to reconnect',
      });
      expect(rows).toEqual([{ name: 'kept' }]);
    } finally {
      await pool.end();
    }
  });

  it('postgres holds the migrated schema', async () => {
    const pool = new pg.Pool({ connectionString: services.env.databaseUrl });
    try {
      const { rows } = await pool.query("SELECT to_regclass('public.executions') IS NOT NULL AS migrated");
      expect(rows).toEqual([{ migrated: true }]);
    } finally {
      await pool.end();
    }
  });

  it('s3 comes back on the same endpoint after SIGKILL with its objects', async () => {
    const { s3 } = services.env;
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
    const read = async (): Promise<string | undefined> =>
      (await client.send(new GetObjectCommand({ Bucket: s3.contentBucket, Key: 'kept.txt' }))).Body?.transformToString();
    try {
      await client.send(new PutObjectCommand({ Bucket: s3.contentBucket, Key: 'kept.txt', Body: 'still here' }));
      await services.s3.kill();
      await expect(read()).rejects.toThrow();
      await services.s3.restart();
      expect(await waitFor(read, { message: 'the object to be readable again' })).toBe('still here');
      // local mode creates its buckets on every start, over the ones it kept
      await services.s3.createBucket(s3.contentBucket);
      expect(await read()).toBe('still here');
    } finally {
      client.destroy();
    }
  });

  it('a graceful stop followed by a restart serves again', async () => {
    await services.redis.stop();
    expect(await pingRedis(services.redis.port)).toBe(false);
    await services.redis.restart();
    const redis = new Redis(services.redis.url);
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});

describe('persistent redis', () => {
  let dir: string;
  let server: RedisServer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flow-like-redis-'));
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps its data across a SIGKILL and restart', async () => {
    server = await startRedis({ dir, persist: true });
    const redis = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 20 });
    redis.on('error', () => undefined);
    try {
      await redis.set('queue-state', 'kept');
      await server.kill();
      await server.restart();
      expect(await waitFor(() => redis.get('queue-state'), { message: 'the key to be readable again' })).toBe('kept');
    } finally {
      redis.disconnect();
    }
  });
});
