import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { Conflict, newId } from '@flow-like/core';
import type { Database } from './client.js';
import { apiKeys, projects } from './schema.js';

export type Project = typeof projects.$inferSelect;
export type ApiKeyRecord = typeof apiKeys.$inferSelect;
export const API_KEY_SCOPES = ['submit', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export async function createProject(
  db: Database,
  values: { name: string; concurrencyLimit?: number | null; maxQueueDepth?: number | null },
): Promise<Project> {
  try {
    const [row] = await db
      .insert(projects)
      .values({ id: newId(), name: values.name, concurrencyLimit: values.concurrencyLimit ?? null, maxQueueDepth: values.maxQueueDepth ?? null })
      .returning();
    return row!;
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`a project named ${JSON.stringify(values.name)} exists already`);
    throw error;
  }
}

/** A concurrent insert of the same unique value won; drizzle wraps the driver error in `cause`. */
function isUniqueViolation(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === '23505') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export async function getProject(db: Database, id: string): Promise<Project | undefined> {
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  return row;
}

export async function getProjectByName(db: Database, name: string): Promise<Project | undefined> {
  const [row] = await db.select().from(projects).where(eq(projects.name, name)).limit(1);
  return row;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Keys look like `flk_<prefix>_<secret>`; only the hash is stored. The plain key is returned once. */
export async function createApiKey(
  db: Database,
  values: { projectId: string; name: string; scopes: readonly ApiKeyScope[] },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const prefix = randomBytes(4).toString('hex');
  const key = `flk_${prefix}_${randomBytes(24).toString('base64url')}`;
  const [record] = await db
    .insert(apiKeys)
    .values({ id: newId(), projectId: values.projectId, name: values.name, prefix, hash: hashApiKey(key), scopes: [...values.scopes] })
    .returning();
  return { key, record: record! };
}

/**
 * How long a found key is reused without asking PostgreSQL: every request
 * authenticates, and most come from a few keys. A key revoked through the same
 * database handle stops working at once; one revoked by another process (another
 * api replica) within this bound.
 */
export const API_KEY_LOOKUP_TTL_MS = 5_000;
const liveKeysByDatabase = new WeakMap<Database, LRUCache<string, ApiKeyRecord>>();

function liveKeys(db: Database): LRUCache<string, ApiKeyRecord> {
  let cache = liveKeysByDatabase.get(db);
  if (!cache) {
    cache = new LRUCache<string, ApiKeyRecord>({ max: 10_000, ttl: API_KEY_LOOKUP_TTL_MS });
    liveKeysByDatabase.set(db, cache);
  }
  return cache;
}

/** The live (not revoked) key with this plain text, if any; see API_KEY_LOOKUP_TTL_MS. */
export async function findApiKey(db: Database, key: string): Promise<ApiKeyRecord | undefined> {
  const hash = hashApiKey(key);
  const cached = liveKeys(db).get(hash);
  if (cached) return cached;
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (row) liveKeys(db).set(hash, row);
  return row;
}

export async function touchApiKey(db: Database, id: string): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(apiKeys.id, id));
}

export async function listProjects(db: Database): Promise<Project[]> {
  return db.select().from(projects).orderBy(asc(projects.name));
}

export async function updateProjectLimits(
  db: Database,
  id: string,
  values: { concurrencyLimit?: number | null; maxQueueDepth?: number | null },
): Promise<Project | undefined> {
  const set: Partial<Pick<Project, 'concurrencyLimit' | 'maxQueueDepth'>> = {};
  if (values.concurrencyLimit !== undefined) set.concurrencyLimit = values.concurrencyLimit;
  if (values.maxQueueDepth !== undefined) set.maxQueueDepth = values.maxQueueDepth;
  if (Object.keys(set).length === 0) return getProject(db, id);
  const [row] = await db.update(projects).set(set).where(eq(projects.id, id)).returning();
  return row;
}

/** Every key of a project, revoked ones included; the hash never leaves this module. */
export async function listApiKeys(db: Database, projectId: string): Promise<Omit<ApiKeyRecord, 'hash'>[]> {
  const { hash: _hash, ...columns } = getTableColumns(apiKeys);
  return db.select(columns).from(apiKeys).where(eq(apiKeys.projectId, projectId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/** Revoke a live key of this project; undefined when there is no such live key. */
export async function revokeApiKey(db: Database, projectId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.projectId, projectId), isNull(apiKeys.revokedAt)))
    .returning();
  if (row) liveKeys(db).delete(row.hash);
  return row;
}
