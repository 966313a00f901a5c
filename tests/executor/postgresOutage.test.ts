import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '@flow-like/db';
import { createPrivateServices, type PrivateServices } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { executionOf, inProcessExecutor, prepareAttempt, readEvents, stepRunsOf } from './attemptFixture.js';

let services: PrivateServices;
let database: DatabaseHandle;
let executor: ReturnType<typeof inProcessExecutor>;

beforeAll(async () => {
  services = await createPrivateServices();
  database = createDatabase(services.env.databaseUrl, { connectionTimeoutMillis: 1_000 });
  executor = inProcessExecutor(services.env, database.db);
});

afterAll(async () => {
  executor?.close();
  await database?.close();
  await services?.env.cleanup().catch(() => {});
  await services?.stopAll();
});

describe('Postgres unavailable mid-run', () => {
  it('retries its step rows and terminal status until Postgres is back, then succeeds', async () => {
    const target = await prepareAttempt(
      database.db,
      {
        name: 'through-a-database-outage',
        steps: [
          { id: 'hello', type: 'log', params: { message: 'starting' } },
          { id: 'wait', type: 'delay', needs: ['hello'], params: { ms: 2_000 } },
          { id: 'bye', type: 'log', needs: ['wait'], params: { message: 'done' } },
        ],
      },
      {},
    );
    const running = executor.run(target, { settings: { storeRetry: { forMs: 60_000, initialDelayMs: 100, maxDelayMs: 500 } } });
    await waitFor(async () => (await stepRunsOf(database.db, target)).some((r) => r.stepId === 'hello' && r.status === 'succeeded') || undefined, {
      message: 'the first step recorded',
    });
    await services.postgres.stop();
    // the events in S3 show the run going on until it must record a finished step, and waiting there
    const events = await waitFor(
      async () => {
        const found = await readEvents(executor.s3, services.env.s3.contentBucket, target);
        return found.some((e) => e.type === 'step.succeeded' && e.step === 'wait') ? found : undefined;
      },
      { timeoutMs: 20_000, message: 'the delay step done while Postgres is away' },
    );
    expect(events.some((e) => e.step === 'bye')).toBe(false);
    await services.postgres.restart();

    expect(await running).toBe('succeeded');
    expect((await executionOf(database.db, target)).status).toBe('succeeded');
    expect((await stepRunsOf(database.db, target)).map((r) => [r.stepId, r.status])).toEqual([
      ['hello', 'succeeded'],
      ['wait', 'succeeded'],
      ['bye', 'succeeded'],
    ]);
  });
});
