import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';
import { createLaunchLog, fastDispatcherEnv, registerWorkflow, submit, type SubmitItem } from './support/fleet.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];

describe('one execution through delays, timeouts, retries and lost queue entries', () => {
  let env: TestEnv;
  let system: RunningSystem;
  let pool: pg.Pool;
  let key: string;
  let projectId: string;
  let workflowId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    pool = new pg.Pool({ connectionString: env.databaseUrl, max: 3 });
    await createLaunchLog(pool);
    system = await startSystem(env, { dispatcherEnv: fastDispatcherEnv({ QUEUE_WAIT_SECONDS: '3', UNCLAIMED_RETRY_ALLOWANCE: '2' }) });
    ({ key, projectId } = await createProjectKey(system, 'lifecycle'));
    workflowId = await registerWorkflow(system, key);
  });

  afterAll(async () => {
    await system?.close();
    await pool?.end();
    await env?.cleanup();
  });

  const one = async (item: SubmitItem) => (await submit(system, key, workflowId, [item]))[0]!;
  const view = async (id: string) => (await system.call(`/v1/executions/${id}`, { token: key })).body;
  const ended = (id: string) => waitFor(async () => {
    const body = await view(id);
    return TERMINAL.includes(body.status) ? body : undefined;
  }, { timeoutMs: 30_000, message: `execution ${id} to end` });
  const launches = async (id: string) =>
    (await pool.query<{ attempt: number }>('SELECT attempt FROM test_launches WHERE execution_id = $1 ORDER BY attempt', [id])).rows.map((r) => r.attempt);
  const transitions = async (id: string) =>
    (await pool.query<{ to_status: string; reason: string | null; attempt: number; at: Date }>('SELECT to_status, reason, attempt, at FROM execution_transitions WHERE execution_id = $1 ORDER BY id', [id])).rows;
  /** due later, so a test can change the row before any dispatcher looks at it */
  const soon = () => new Date(Date.now() + 1_500).toISOString();

  it('does not start a delayed execution before its runAt', async () => {
    const runAt = new Date(Date.now() + 2_000);
    const id = await one({ input: {}, runAt: runAt.toISOString() });
    expect((await ended(id)).status).toBe('succeeded');
    const dispatched = (await transitions(id)).find((t) => t.to_status === 'dispatching')!;
    expect(dispatched.at.getTime()).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('times out an execution that waited in the queue longer than allowed, with reason "queue", without starting it', async () => {
    await pool.query('UPDATE projects SET concurrency_limit = 1 WHERE id = $1', [projectId]);
    try {
      const blocker = await one({ input: { mode: 'hang' } });
      await waitFor(async () => (await view(blocker)).status === 'running', { message: 'the blocker to run' });
      const waiting = await one({ input: {} });
      const body = await ended(waiting);
      expect(body.status).toBe('timed_out');
      expect(body.error.reason).toBe('queue');
      expect(await launches(waiting)).toEqual([]);
      expect((await system.call(`/v1/executions/${blocker}/cancel`, { token: key, method: 'POST' })).status).toBe(200);
    } finally {
      await pool.query('UPDATE projects SET concurrency_limit = NULL WHERE id = $1', [projectId]);
    }
  });

  it('ends a run that outlives its timeout as timed_out', async () => {
    const id = await one({ input: { mode: 'hang' }, timeoutSeconds: 1 });
    const body = await ended(id);
    expect(body.status).toBe('timed_out');
    expect(body.error.reason).toBe('DeadlineExceeded');
  });

  it('relaunches an executor that crashed before claiming as new attempts with backoff, up to the allowance, then fails', async () => {
    const id = await one({ input: { mode: 'crash_before_claim' } });
    const body = await ended(id);
    expect(body.status).toBe('failed');
    expect(body.error.reason).toBe('ExecutorCrashed');
    expect(await launches(id)).toEqual([1, 2, 3]);
    const retries = (await transitions(id)).filter((t) => t.to_status === 'queued' && t.attempt > 1);
    expect(retries.map((t) => [t.attempt, t.reason])).toEqual([[2, 'ExecutorCrashed'], [3, 'ExecutorCrashed']]);
  });

  it('retries a claimed attempt lost to a crash only within the execution\'s attempts', async () => {
    const recovers = await one({ input: { mode: 'crash_first_attempt' }, runAt: soon() });
    const keepsCrashing = await one({ input: { mode: 'crash_after_claim' }, runAt: soon() });
    await pool.query('UPDATE executions SET max_attempts = 2 WHERE id = ANY($1)', [[recovers, keepsCrashing]]);
    expect(await ended(recovers)).toMatchObject({ status: 'succeeded' });
    expect(await launches(recovers)).toEqual([1, 2]);
    expect(await ended(keepsCrashing)).toMatchObject({ status: 'failed', error: { reason: 'ExecutorCrashed' } });
    expect(await launches(keepsCrashing)).toEqual([1, 2]);
  });

  it('never retries a workflow\'s own failure', async () => {
    const id = await one({ input: { mode: 'fail' }, runAt: soon() });
    await pool.query('UPDATE executions SET max_attempts = 3 WHERE id = $1', [id]);
    expect(await ended(id)).toMatchObject({ status: 'failed', error: { reason: 'StepFailed' } });
    expect(await launches(id)).toEqual([1]);
  });

  it('puts a queued execution whose queue entry Redis lost back into the queue', async () => {
    const id = await one({ input: {}, runAt: new Date(Date.now() + 120_000).toISOString() });
    const redis = new Redis(env.redisUrl);
    try {
      const jobKey = `${env.queuePrefix}:executions:${id}`;
      expect(await redis.exists(jobKey)).toBe(1);
      await redis.del(jobKey);
      await waitFor(async () => (await redis.exists(jobKey)) === 1, { message: 'the reconciler to re-enqueue the execution' });
    } finally {
      redis.disconnect();
    }
    expect((await system.call(`/v1/executions/${id}/cancel`, { token: key, method: 'POST' })).status).toBe(200);
  });
});
