import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { createDatabase } from './client.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

// Any 64-bit constant shared by every migrator of this schema.
const MIGRATION_LOCK = 7_261_001;

/**
 * Apply committed migrations. Several replicas or hook Jobs may race here, so
 * the run holds a Postgres advisory lock: the second waits, then finds nothing
 * left to do.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const handle = createDatabase(databaseUrl, { maxConnections: 1, statementTimeoutMillis: 0, applicationName: 'flow-like-migrate' });
  try {
    await handle.pool.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(handle.db, { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await handle.pool.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await handle.close();
  }
}
