import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKeys } from '@flow-like/core';
import { createDatabase, listStatusHistory, type DatabaseHandle } from '@flow-like/db';
import { createPrivateServices, type PrivateServices } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { executionOf, inProcessExecutor, listKeys, prepareAttempt, readEvents, readText, spawnExecutor, stepRunsOf, type AttemptTarget } from './attemptFixture.js';

let services: PrivateServices;
let database: DatabaseHandle;
let executor: ReturnType<typeof inProcessExecutor>;

beforeAll(async () => {
  services = await createPrivateServices();
  database = createDatabase(services.env.databaseUrl);
  executor = inProcessExecutor(services.env, database.db);
});

afterAll(async () => {
  executor?.close();
  await database?.close();
  await services?.env.cleanup().catch(() => {});
  await services?.stopAll();
});

const workflow = {
  name: 'through-an-outage',
  steps: [
    { id: 'hello', type: 'log', params: { message: 'starting' } },
    { id: 'wait', type: 'delay', needs: ['hello'], params: { ms: 2_000 } },
    { id: 'sum', type: 'transform', needs: ['wait'], params: { expression: '$sum(input.values)' } },
  ],
  output: '{ "sum": steps.sum.output }',
};

async function stepDone(target: AttemptTarget, stepId: string): Promise<void> {
  await waitFor(async () => (await stepRunsOf(database.db, target)).some((r) => r.stepId === stepId && r.status === 'succeeded') || undefined, {
    timeoutMs: 20_000,
    message: `step ${stepId} done`,
  });
}

describe('S3 unavailable mid-run', () => {
  it('keeps its events and result through an outage and succeeds once S3 is back', async () => {
    const target = await prepareAttempt(database.db, workflow, { values: [1, 2, 3] });
    const running = executor.run(target, { settings: { storeRetry: { forMs: 60_000, initialDelayMs: 100, maxDelayMs: 500 } } });
    await stepDone(target, 'hello');
    await services.s3.stop();
    // the workflow finishes while S3 is away: its result and last events wait in retries
    await stepDone(target, 'sum');
    expect((await executionOf(database.db, target)).status).toBe('running');
    await services.s3.restart();

    expect(await running).toBe('succeeded');
    const result = JSON.parse(await readText(executor.s3, services.env.s3.contentBucket, contentKeys.result(target.executionId, 1)));
    expect(result).toEqual({ output: { sum: 6 } });
    const events = await readEvents(executor.s3, services.env.s3.contentBucket, target);
    expect(events.filter((e) => e.type === 'step.succeeded').map((e) => e.step)).toEqual(['hello', 'wait', 'sum']);
    expect(events.at(-1)).toMatchObject({ type: 'execution.finished', status: 'succeeded' });
    const keys = await listKeys(executor.s3, services.env.s3.contentBucket, `${contentKeys.prefix(target.executionId, 1)}events/`);
    expect(keys).toEqual(keys.map((_, seq) => contentKeys.events(target.executionId, 1, seq)));
  });

  it('still records cancelled within its grace period when SIGTERM comes while S3 is away', async () => {
    const target = await prepareAttempt(database.db, { name: 'stopped-in-an-outage', steps: [{ id: 'wait', type: 'delay', params: { ms: 600_000 } }] }, {});
    const spawned = spawnExecutor(services.env, target, { SHUTDOWN_GRACE_SECONDS: '6', STORE_RETRY_SECONDS: '60' });
    await waitFor(async () => (await stepRunsOf(database.db, target)).some((r) => r.stepId === 'wait' && r.status === 'running') || undefined, {
      timeoutMs: 20_000,
      message: 'the executor process running its step',
    });
    await services.s3.stop();
    try {
      spawned.child.kill('SIGTERM');
      expect(await spawned.exited, spawned.output()).toEqual({ code: 0, signal: null });
    } finally {
      await services.s3.restart();
    }
    expect(await executionOf(database.db, target)).toMatchObject({ status: 'cancelled', resultKey: null, error: { reason: 'cancelled', step: 'wait' } });
  });

  it('never reports succeeded when the result cannot be stored in time', async () => {
    const target = await prepareAttempt(database.db, workflow, { values: [1] });
    const running = executor.run(target, { settings: { storeRetry: { forMs: 1_500, initialDelayMs: 100, maxDelayMs: 500 } } });
    await stepDone(target, 'hello');
    await services.s3.stop();
    try {
      expect(await running).toBe('failed');
    } finally {
      await services.s3.restart();
    }
    const execution = await executionOf(database.db, target);
    expect(execution).toMatchObject({ status: 'failed', resultKey: null, error: { reason: 'ResultNotStored' } });
    expect((await listStatusHistory(database.db, target.executionId)).map((h) => h.to)).not.toContain('succeeded');
  });
});
