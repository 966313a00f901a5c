import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { contentKeys, newId, parseWorkflowDocument } from '@flow-like/core';
import { createProject, getExecution, registerWorkflowVersion, submitExecutions, transitionExecution, type Database, type Execution } from '@flow-like/db';
import { listStepRuns } from '@flow-like/db/stepRuns';
import { executeAttempt, type AttemptOutcome, type ExecuteDeps, type ExecutorSettings } from '@flow-like/executor/execute';
import { createS3Client } from '@flow-like/executor/sinks/s3Client';
import type { TestEnv } from '@flow-like/testing/testEnv';
import { REPO_ROOT } from '../support/system.js';

export interface AttemptTarget {
  executionId: string;
  attempt: number;
}

/**
 * An execution of `document` waiting for its executor, as the dispatcher
 * leaves it: registered, submitted, moved to `dispatching`.
 */
export async function prepareAttempt(db: Database, document: unknown, input: unknown, options: { timeoutSeconds?: number } = {}): Promise<AttemptTarget> {
  parseWorkflowDocument(document);
  const project = await createProject(db, { name: `executor-${newId()}` });
  const { workflow, version } = await registerWorkflowVersion(
    db,
    { projectId: project.id, name: (document as { name: string }).name, document, checksum: newId(), documentKey: (id, v) => `workflows/${id}/versions/${v}.json` },
    async () => {},
  );
  const [execution] = await submitExecutions(
    db,
    [{ id: newId(), projectId: project.id, workflowId: workflow.id, workflowVersion: version.version, input, timeoutSeconds: options.timeoutSeconds ?? 600 }],
    { enqueue: async () => {} },
  );
  await transitionExecution(db, { id: execution!.id, to: 'dispatching', from: ['queued'], attempt: 1 });
  return { executionId: execution!.id, attempt: 1 };
}

export const FAST_SETTINGS: ExecutorSettings = {
  heartbeatMs: 200,
  eventFlushMs: 200,
  inlineOutputBytes: 16 * 1024,
  storeRetry: { forMs: 10_000, initialDelayMs: 50, maxDelayMs: 500 },
  deadlineSlackMs: 1_000,
  shutdownGraceMs: 10_000,
};

/** The executor in this process, on the test env's real Postgres and S3. */
export function inProcessExecutor(env: TestEnv, db: Database) {
  const s3 = createS3Client(env.s3);
  const run = (target: AttemptTarget, overrides: Omit<Partial<ExecuteDeps>, 'settings'> & { settings?: Partial<ExecutorSettings> } = {}): Promise<AttemptOutcome> =>
    executeAttempt(
      {
        db,
        s3,
        contentBucket: env.s3.contentBucket,
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        terminate: new AbortController().signal,
        startedAt: Date.now(),
        ...overrides,
        settings: { ...FAST_SETTINGS, ...overrides.settings },
      },
      target,
    );
  return { run, s3, close: () => s3.destroy() };
}

/** The real executor process, as a launcher starts it. */
export function spawnExecutor(env: TestEnv, target: AttemptTarget, extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['executor/dist/main.js'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      ...env.env,
      EXECUTION_ID: target.executionId,
      EXECUTION_ATTEMPT: String(target.attempt),
      LOG_LEVEL: 'info',
      HEARTBEAT_SECONDS: '1',
      STORE_RETRY_SECONDS: '10',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { child, exited, output: () => output };
}

export async function executionOf(db: Database, target: AttemptTarget): Promise<Execution> {
  const execution = await getExecution(db, target.executionId);
  if (!execution) throw new Error(`no execution ${target.executionId}`);
  return execution;
}

export function stepRunsOf(db: Database, target: AttemptTarget) {
  return listStepRuns(db, target.executionId, target.attempt);
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body!.transformToString();
}

/** Every event of an attempt, in order, read back from its NDJSON chunks. */
export async function readEvents(s3: S3Client, bucket: string, target: AttemptTarget): Promise<Array<Record<string, any>>> {
  const prefix = `${contentKeys.prefix(target.executionId, target.attempt)}events/`;
  const events: Array<Record<string, any>> = [];
  for (const key of await listKeys(s3, bucket, prefix)) {
    const text = await readText(s3, bucket, key);
    events.push(...text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>));
  }
  return events;
}
