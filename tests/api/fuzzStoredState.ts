import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { S3Settings } from '@flow-like/core';

/**
 * Columns that change without any stored change a request asked for: a key's
 * "last used" stamp moves on any authenticated request, valid or not.
 */
const VOLATILE_COLUMNS: Record<string, string[]> = { api_keys: ['last_used_at'] };

async function tableContents(pool: pg.Pool): Promise<Record<string, string[]>> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const contents: Record<string, string[]> = {};
  for (const { table_name: table } of tables) {
    const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM "${table.replace(/"/g, '""')}"`);
    const volatile = VOLATILE_COLUMNS[table] ?? [];
    contents[table] = rows
      .map((row) => JSON.stringify(Object.fromEntries(Object.entries(row).filter(([column]) => !volatile.includes(column)))))
      .sort();
  }
  return contents;
}

/** Every key of the queue with its serialized value, so any added, moved or edited job shows. */
async function queueContents(redis: Redis, prefix: string): Promise<Record<string, string>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  const contents: Record<string, string> = {};
  for (const key of keys.sort()) contents[key] = (await redis.dumpBuffer(key))?.toString('hex') ?? '';
  return contents;
}

async function bucketContents(client: S3Client, bucket: string): Promise<string[]> {
  const objects: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) objects.push(`${object.Key} ${object.ETag} ${object.Size}`);
    token = page.NextContinuationToken;
  } while (token);
  return objects.sort();
}

export interface StoredState {
  tables: Record<string, string[]>;
  queue: Record<string, string>;
  buckets: Record<string, string[]>;
}

/** What the api has stored: every row of every table, every queue key and every object. */
export async function storedState(clients: { pool: pg.Pool; redis: Redis; queuePrefix: string; s3: S3Client; settings: S3Settings }): Promise<StoredState> {
  const [tables, queue, metadata, content] = await Promise.all([
    tableContents(clients.pool),
    queueContents(clients.redis, clients.queuePrefix),
    bucketContents(clients.s3, clients.settings.metadataBucket),
    bucketContents(clients.s3, clients.settings.contentBucket),
  ]);
  return { tables, queue, buckets: { metadata, content } };
}
