import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './testEnv.js';

function s3Client(env: TestEnv): S3Client {
  return new S3Client({
    endpoint: env.s3.endpoint,
    region: env.s3.region,
    credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey },
    forcePathStyle: env.s3.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

async function query<T extends pg.QueryResultRow>(databaseUrl: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('test envs', () => {
  let first: TestEnv;
  let second: TestEnv;

  beforeAll(async () => {
    [first, second] = await Promise.all([createTestEnv(), createTestEnv()]);
  });

  afterAll(async () => {
    await Promise.all([first?.cleanup(), second?.cleanup()]);
  });

  it('get their own database, buckets and queue prefix', () => {
    expect(first.databaseUrl).not.toBe(second.databaseUrl);
    expect(first.queuePrefix).not.toBe(second.queuePrefix);
    const buckets = [first.s3.metadataBucket, first.s3.contentBucket, second.s3.metadataBucket, second.s3.contentBucket];
    expect(new Set(buckets).size).toBe(4);
    expect(first.redisUrl).toBe(second.redisUrl);
  });

  it('start from the migrated schema', async () => {
    const rows = await query<{ migrated: boolean }>(first.databaseUrl, "SELECT to_regclass('public.executions') IS NOT NULL AS migrated");
    expect(rows).toEqual([{ migrated: true }]);
  });

  it('do not see each other rows', async () => {
    await query(first.databaseUrl, 'CREATE TABLE only_in_first (id int)');
    const rows = await query<{ present: boolean }>(second.databaseUrl, "SELECT to_regclass('public.only_in_first') IS NOT NULL AS present");
    expect(rows).toEqual([{ present: false }]);
  });

  it('do not see each other objects', async () => {
    const client = s3Client(first);
    try {
      await client.send(new PutObjectCommand({ Bucket: first.s3.contentBucket, Key: 'mine.txt', Body: 'first' }));
      const body = await (await client.send(new GetObjectCommand({ Bucket: first.s3.contentBucket, Key: 'mine.txt' }))).Body?.transformToString();
      expect(body).toBe('first');
      await expect(client.send(new GetObjectCommand({ Bucket: second.s3.contentBucket, Key: 'mine.txt' }))).rejects.toThrow();
    } finally {
      client.destroy();
    }
  });

  it('describe themselves as the environment variables a spawned service reads', () => {
    expect(first.env).toEqual({
      DATABASE_URL: first.databaseUrl,
      REDIS_URL: first.redisUrl,
      QUEUE_PREFIX: first.queuePrefix,
      S3_ENDPOINT: first.s3.endpoint,
      S3_REGION: first.s3.region,
      S3_ACCESS_KEY_ID: first.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: first.s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_METADATA_BUCKET: first.s3.metadataBucket,
      S3_CONTENT_BUCKET: first.s3.contentBucket,
    });
  });
});

describe('test env cleanup', () => {
  it('removes the database and the buckets, even with objects in them', async () => {
    const env = await createTestEnv();
    const client = s3Client(env);
    try {
      await client.send(new PutObjectCommand({ Bucket: env.s3.metadataBucket, Key: 'doc.json', Body: '{}' }));
      await env.cleanup();
      const adminUrl = env.databaseUrl.replace(/\/[^/]+$/, '/postgres');
      const databaseName = new URL(env.databaseUrl).pathname.slice(1);
      const rows = await query<{ count: string }>(adminUrl, `SELECT count(*) FROM pg_database WHERE datname = '${databaseName}'`);
      expect(rows).toEqual([{ count: '0' }]);
      await expect(client.send(new HeadBucketCommand({ Bucket: env.s3.metadataBucket }))).rejects.toThrow();
    } finally {
      client.destroy();
    }
  });
});
