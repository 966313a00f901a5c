import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKeys } from '@flow-like/core';
import { createDatabase, transitionExecution, type DatabaseHandle } from '@flow-like/db';
import { STEPS_CHANNEL } from '@flow-like/db/stepRuns';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { executionOf, inProcessExecutor, listKeys, prepareAttempt, readEvents, readText, stepRunsOf } from './attemptFixture.js';

let env: TestEnv;
let database: DatabaseHandle;
let executor: ReturnType<typeof inProcessExecutor>;

beforeAll(async () => {
  env = await createTestEnv();
  database = createDatabase(env.databaseUrl);
  executor = inProcessExecutor(env, database.db);
});

afterAll(async () => {
  executor?.close();
  await database?.close();
  await env?.cleanup();
});

const slowWorkflow = {
  name: 'slow',
  steps: [
    { id: 'hello', type: 'log', params: { message: 'starting' } },
    { id: 'wait', type: 'delay', needs: ['hello'], params: { ms: 3_000 } },
    { id: 'bye', type: 'log', needs: ['wait'], params: { message: 'done' } },
  ],
};

describe('an attempt on real Postgres and S3', () => {
  it('writes event chunks while the run is still going', async () => {
    const target = await prepareAttempt(database.db, slowWorkflow, {});
    let settled = false;
    const running = executor.run(target).finally(() => (settled = true));
    const live = await waitFor(
      async () => {
        const events = await readEvents(executor.s3, env.s3.contentBucket, target);
        return events.some((e) => e.type === 'step.started' && e.step === 'wait') ? events : undefined;
      },
      { timeoutMs: 10_000, message: 'a chunk with the delay step starting' },
    );
    expect(settled).toBe(false);
    expect(live.map((e) => e.type)).not.toContain('execution.finished');
    expect(await running).toBe('succeeded');

    const keys = await listKeys(executor.s3, env.s3.contentBucket, `${contentKeys.prefix(target.executionId, 1)}events/`);
    expect(keys.length).toBeGreaterThan(1);
    expect(keys).toEqual(keys.map((_, seq) => contentKeys.events(target.executionId, 1, seq)));
    const events = await readEvents(executor.s3, env.s3.contentBucket, target);
    expect(events[0]).toMatchObject({ type: 'execution.started', workflow: 'slow' });
    expect(events.at(-1)).toMatchObject({ type: 'execution.finished', status: 'succeeded' });
    expect(events.filter((e) => e.type === 'step.succeeded').map((e) => e.step)).toEqual(['hello', 'wait', 'bye']);
  });

  it('stores a large step output as an object and references it', async () => {
    const target = await prepareAttempt(
      database.db,
      {
        name: 'large',
        steps: [
          { id: 'rows', type: 'code', params: { source: 'return Array.from({ length: 5000 }, (_, i) => ({ id: i, name: "row " + i }))' } },
          { id: 'count', type: 'transform', needs: ['rows'], params: { expression: '$count(steps.rows.output)' } },
        ],
        output: '{ "count": steps.count.output, "rows": steps.rows.output[0] }',
      },
      {},
    );
    expect(await executor.run(target)).toBe('succeeded');
    const rows = await stepRunsOf(database.db, target);
    const big = rows.find((r) => r.stepId === 'rows')!;
    expect(big.output).toBeNull();
    expect(big.outputKey).toBe(`${contentKeys.prefix(target.executionId, 1)}outputs/rows.json`);
    const stored = JSON.parse(await readText(executor.s3, env.s3.contentBucket, big.outputKey!)) as unknown[];
    expect(stored).toHaveLength(5000);
    expect(rows.find((r) => r.stepId === 'count')).toMatchObject({ status: 'succeeded', output: 5000, outputKey: null });
    const result = JSON.parse(await readText(executor.s3, env.s3.contentBucket, contentKeys.result(target.executionId, 1)));
    expect(result).toEqual({ output: { count: 5000, rows: { id: 0, name: 'row 0' } } });
  });

  it('records each step in Postgres with a notification per change, and beats while it runs', async () => {
    const listener = new pg.Client({ connectionString: env.databaseUrl });
    await listener.connect();
    const notes: Array<{ step: string; status: string }> = [];
    listener.on('notification', (message) => notes.push(JSON.parse(message.payload ?? '{}')));
    await listener.query(`LISTEN ${STEPS_CHANNEL}`);
    try {
      const target = await prepareAttempt(database.db, slowWorkflow, {});
      const running = executor.run(target);
      const claimed = await waitFor(async () => (await executionOf(database.db, target)).heartbeatAt, { message: 'the claim' });
      await waitFor(async () => ((await executionOf(database.db, target)).heartbeatAt! > claimed ? true : undefined), { message: 'a later heartbeat' });
      expect(await running).toBe('succeeded');
      const rows = await stepRunsOf(database.db, target);
      expect(rows.map((r) => [r.stepId, r.status, r.tries])).toEqual([
        ['hello', 'succeeded', 1],
        ['wait', 'succeeded', 1],
        ['bye', 'succeeded', 1],
      ]);
      await waitFor(() => (notes.filter((n) => (n as { id?: string }).id === target.executionId).length >= 6 ? true : undefined), { message: 'six step notifications' });
      expect(notes.filter((n) => (n as { id?: string }).id === target.executionId).map((n) => `${n.step}:${n.status}`)).toEqual([
        'hello:running',
        'hello:succeeded',
        'wait:running',
        'wait:succeeded',
        'bye:running',
        'bye:succeeded',
      ]);
    } finally {
      await listener.end();
    }
  });

  it('lets only one of two executors of the same attempt run it', async () => {
    const target = await prepareAttempt(database.db, { name: 'once', steps: [{ id: 'only', type: 'log', params: { message: 'ran' } }] }, {});
    const outcomes = await Promise.all([executor.run(target), executor.run(target)]);
    expect(outcomes.sort()).toEqual(['not_claimed', 'succeeded']);
    const events = await readEvents(executor.s3, env.s3.contentBucket, target);
    expect(events.filter((e) => e.type === 'execution.started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'log')).toHaveLength(1);
  });

  it('writes nothing more once its attempt is superseded', async () => {
    const target = await prepareAttempt(database.db, slowWorkflow, {});
    const running = executor.run(target);
    await waitFor(async () => (await stepRunsOf(database.db, target)).some((r) => r.stepId === 'wait' && r.status === 'running') || undefined, {
      message: 'the delay step running',
    });
    await transitionExecution(database.db, { id: target.executionId, attempt: 1, from: ['running'], to: 'queued', reason: 'pod lost', set: { attempt: 2 } });
    expect(await running).toBe('superseded');
    const execution = await executionOf(database.db, target);
    expect(execution).toMatchObject({ status: 'queued', attempt: 2, resultKey: null, error: null });
    const rows = await stepRunsOf(database.db, target);
    expect(rows.map((r) => [r.stepId, r.status])).toEqual([
      ['hello', 'succeeded'],
      ['wait', 'running'],
    ]);
    expect(await listKeys(executor.s3, env.s3.contentBucket, contentKeys.result(target.executionId, 1))).toEqual([]);
  });
});
