import { pino } from 'pino';
import { ConfigError, s3SettingsFrom, toError } from '@flow-like/core';
import { createDatabase } from '@flow-like/db';
import { readExecutorEnv } from './env.js';
import { executeAttempt, type AttemptOutcome } from './execute.js';
import { createS3Client, putObject } from './sinks/s3Client.js';

const EXIT_CODES: Record<AttemptOutcome, number> = {
  succeeded: 0,
  // the workflow's own failure is recorded; the process still reports it
  failed: 1,
  // nothing to do: a duplicate, or an attempt already ended elsewhere
  not_claimed: 0,
  superseded: 0,
};

let env;
try {
  env = readExecutorEnv(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : toError(error).message);
  process.exit(2);
}

const logger = pino({ level: env.LOG_LEVEL, base: { executionId: env.EXECUTION_ID, attempt: env.EXECUTION_ATTEMPT } });
const database = createDatabase(env.DATABASE_URL, { maxConnections: 3, applicationName: 'flow-like-executor' });
const s3Settings = s3SettingsFrom(env);
const s3 = createS3Client(s3Settings);
const abort = new AbortController();
process.once('SIGTERM', () => abort.abort(new Error('SIGTERM')));

let exitCode = 2;
try {
  const outcome = await executeAttempt(
    {
      db: database.db,
      putContent: (key, body, contentType) => putObject(s3, s3Settings.contentBucket, key, body, contentType),
      logger,
      signal: abort.signal,
    },
    { executionId: env.EXECUTION_ID, attempt: env.EXECUTION_ATTEMPT },
  );
  logger.info({ outcome }, 'attempt ended');
  exitCode = EXIT_CODES[outcome];
} catch (error) {
  logger.error({ err: toError(error).message }, 'executor failed');
} finally {
  s3.destroy();
  await database.close();
}
process.exit(exitCode);
