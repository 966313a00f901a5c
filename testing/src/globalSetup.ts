import { runMigrations } from '@flow-like/db';
import type { TestProject } from 'vitest/node';
import { sharedServicesOf, startServers, TEMPLATE_DATABASE } from './testEnv.js';

/**
 * One Redis, one Postgres and one S3 server for the whole run. Test files get
 * isolation from `createTestEnv` (database copied from a migrated template,
 * own buckets, own queue prefix), which is far cheaper than servers per file.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await startServers();
  try {
    await servers.postgres.createDatabase(TEMPLATE_DATABASE);
    await runMigrations(servers.postgres.url(TEMPLATE_DATABASE));
    project.provide('flowLikeServices', sharedServicesOf(servers));
  } catch (error) {
    await servers.stopAll();
    throw error;
  }
  return servers.stopAll;
}
