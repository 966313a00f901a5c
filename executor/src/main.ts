import { pino } from 'pino';
import { ConfigError, s3SettingsFrom, toError } from '@flow-like/core';
import { createDatabase } from '@flow-like/db';
import { readExecutorEnv } from './env.js';
import { executeAttempt, type AttemptOutcome } from './execute.js';
import { createS3Client } from './sinks/s3Client.js';

const startedAt = Date.now();

const EXIT_CODES: Record<AttemptOutcome, number> = {
  succeeded: 0,
  // the workflow's own failure is recorded; the process still reports it
  failed: 1,
  // failed too, and the next attempt is already queued
  requeued: 1,
  // recorded by this executor: the launcher has nothing to add
  cancelled: 0,
  timed_out: 0,
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
const terminate = new AbortController();
const graceMs = env.SHUTDOWN_GRACE_SECONDS * 1_000;

const onSignal = (signal: NodeJS.Signals) => {
  if (terminate.signal.aborted) {
    logger.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  logger.info({ signal, graceMs }, 'stopping: no new steps, aborting running ones, flushing');
  terminate.abort(new Error(signal));
  setTimeout(() => {
    logger.error('the grace period ended before the attempt was recorded; exiting');
    process.exit(1);
  }, graceMs).unref();
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

let exitCode = 2;
try {
  const outcome = await executeAttempt(
    {
      db: database.db,
      s3,
      contentBucket: s3Settings.contentBucket,
      logger,
      terminate: terminate.signal,
      startedAt,
      settings: {
        heartbeatMs: env.HEARTBEAT_SECONDS * 1_000,
        eventFlushMs: env.EVENT_FLUSH_MS,
        inlineOutputBytes: env.INLINE_OUTPUT_BYTES,
        storeRetry: { forMs: env.STORE_RETRY_SECONDS * 1_000, initialDelayMs: 200, maxDelayMs: 5_000 },
        deadlineAt: env.EXECUTION_DEADLINE === undefined ? undefined : Date.parse(env.EXECUTION_DEADLINE),
        deadlineSlackMs: env.DEADLINE_SLACK_SECONDS * 1_000,
        shutdownGraceMs: graceMs,
      },
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
