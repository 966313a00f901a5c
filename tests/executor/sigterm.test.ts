import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKeys } from '@flow-like/core';
import { createDatabase, type DatabaseHandle } from '@flow-like/db';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createS3Client } from '@flow-like/executor/sinks/s3Client';
import { executionOf, listKeys, prepareAttempt, readEvents, spawnExecutor, stepRunsOf, type AttemptTarget } from './attemptFixture.js';

let env: TestEnv;
let database: DatabaseHandle;
let s3: ReturnType<typeof createS3Client>;

beforeAll(async () => {
  env = await createTestEnv();
  database = createDatabase(env.databaseUrl);
  s3 = createS3Client(env.s3);
});

afterAll(async () => {
  s3?.destroy();
  await database?.close();
  await env?.cleanup();
});

const longWorkflow = {
  name: 'long',
  steps: [
    { id: 'hello', type: 'log', params: { message: 'starting' } },
    { id: 'wait', type: 'delay', needs: ['hello'], params: { ms: 600_000 } },
    { id: 'never', type: 'log', needs: ['wait'], params: { message: 'unreachable' } },
  ],
};

async function waitUntilWaiting(target: AttemptTarget): Promise<void> {
  await waitFor(async () => (await stepRunsOf(database.db, target)).some((r) => r.stepId === 'wait' && r.status === 'running') || undefined, {
    timeoutMs: 20_000,
    message: 'the executor process running the delay step',
  });
}

async function expectStoppedAs(target: AttemptTarget, status: 'cancelled' | 'timed_out'): Promise<void> {
  const execution = await executionOf(database.db, target);
  expect(execution.status).toBe(status);
  expect(execution.error).toMatchObject({ reason: status === 'cancelled' ? 'cancelled' : 'deadline', step: 'wait', type: 'delay' });
  expect(execution.resultKey).toBeNull();
  const rows = await stepRunsOf(database.db, target);
  expect(rows.map((r) => [r.stepId, r.status])).toEqual([
    ['hello', 'succeeded'],
    ['wait', 'cancelled'],
  ]);
  const events = await readEvents(s3, env.s3.contentBucket, target);
  expect(events.at(-1)).toMatchObject({ type: 'execution.finished', status });
  expect(events.some((e) => e.step === 'never')).toBe(false);
  expect(await listKeys(s3, env.s3.contentBucket, contentKeys.result(target.executionId, target.attempt))).toEqual([]);
}

describe('the executor process stopping mid-run', () => {
  it('records cancelled on SIGTERM, after aborting the running step and flushing its events', async () => {
    const target = await prepareAttempt(database.db, longWorkflow, {});
    const executor = spawnExecutor(env, target, { SHUTDOWN_GRACE_SECONDS: '10' });
    await waitUntilWaiting(target);
    executor.child.kill('SIGTERM');
    const exit = await executor.exited;
    expect(exit, executor.output()).toEqual({ code: 0, signal: null });
    await expectStoppedAs(target, 'cancelled');
  });

  it('records timed_out when the SIGTERM comes at the launcher’s deadline', async () => {
    const target = await prepareAttempt(database.db, longWorkflow, {});
    const deadline = new Date(Date.now() + 60_000).toISOString();
    const executor = spawnExecutor(env, target, { EXECUTION_DEADLINE: deadline, DEADLINE_SLACK_SECONDS: '120' });
    await waitUntilWaiting(target);
    executor.child.kill('SIGTERM');
    expect(await executor.exited, executor.output()).toEqual({ code: 0, signal: null });
    await expectStoppedAs(target, 'timed_out');
  });

  it('stops itself at the execution’s timeout and records timed_out', async () => {
    // the clock starts at dispatch, as the launcher's does: leave room for a slow process start on a busy machine
    const target = await prepareAttempt(database.db, longWorkflow, {}, { timeoutSeconds: 12 });
    const executor = spawnExecutor(env, target);
    await waitUntilWaiting(target);
    expect(await executor.exited, executor.output()).toEqual({ code: 0, signal: null });
    await expectStoppedAs(target, 'timed_out');
    expect((await executionOf(database.db, target)).error).toMatchObject({ message: 'the run exceeded its timeout of 12s' });
  });
});
