import { z } from 'zod';
import { ConfigError, databaseEnv, parseConfig, toError } from '@flow-like/core';
import { runMigrations } from './migrate.js';

try {
  const env = parseConfig(z.object(databaseEnv), process.env);
  await runMigrations(env.DATABASE_URL);
  console.log('migrations applied');
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `migration failed: ${toError(error).message}`);
  process.exitCode = 1;
}
