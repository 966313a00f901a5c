import { pino } from 'pino';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDispatcherEnv, startDispatcherService, type DispatcherService } from '@flow-like/dispatcher';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, REPO_ROOT, startSystem, type RunningSystem } from '../support/system.js';
import { createLaunchLog, fastDispatcherEnv, registerWorkflow, submit } from './support/fleet.js';

describe('a dispatcher stopping gracefully', () => {
  let env: TestEnv;
  let system: RunningSystem;
  let pool: pg.Pool;
  let key: string;
  let workflowId: string;
  const extra: DispatcherService[] = [];

  const startDispatcher = async (grace: number) => {
    const service = await startDispatcherService(
      readDispatcherEnv({ ...env.env, LAUNCHER: 'process', METRICS_PORT: '0', LOG_LEVEL: 'silent', ...fastDispatcherEnv({ SHUTDOWN_GRACE_SECONDS: String(grace) }) }),
      pino({ level: 'silent' }),
      { cwd: REPO_ROOT },
    );
    extra.push(service);
    return service;
  };
  const row = async (id: string) => (await pool.query<{ status: string; attempt: number }>('SELECT status, attempt FROM executions WHERE id = $1', [id])).rows[0]!;

  beforeAll(async () => {
    env = await createTestEnv();
    pool = new pg.Pool({ connectionString: env.databaseUrl, max: 3 });
    await createLaunchLog(pool);
    system = await startSystem(env, { dispatchers: 0 });
    ({ key } = await createProjectKey(system, 'shutdown'));
    workflowId = await registerWorkflow(system, key);
  });

  afterAll(async () => {
    await Promise.all(extra.map((d) => d.close()));
    await system?.close();
    await pool?.end();
    await env?.cleanup();
  });

  it('lets a run finish within the grace period before it exits', async () => {
    const dispatcher = await startDispatcher(30);
    const [id] = await submit(system, key, workflowId, [{ input: { ms: 1_500 } }]);
    await waitFor(async () => (await row(id!)).status === 'running', { message: 'the execution to run' });
    await dispatcher.close();
    expect(await row(id!)).toEqual({ status: 'succeeded', attempt: 1 });
  });

  it('hands a run still going at the end of the grace period back as a new attempt, which another dispatcher finishes', async () => {
    const [id] = await submit(system, key, workflowId, [{ input: { ms: 20_000 }, runAt: new Date(Date.now() + 1_000).toISOString() }]);
    await pool.query('UPDATE executions SET max_attempts = 2 WHERE id = $1', [id]);
    const first = await startDispatcher(0);
    await waitFor(async () => (await row(id!)).status === 'running', { message: 'the execution to run' });
    await first.close();
    expect(await row(id!)).toEqual({ status: 'queued', attempt: 2 });

    await pool.query(`UPDATE executions SET input = '{"ms": 10}' WHERE id = $1`, [id]);
    await startDispatcher(0);
    await waitFor(async () => (await row(id!)).status === 'succeeded', { timeoutMs: 20_000, message: 'the second attempt to succeed' });
    expect(await row(id!)).toEqual({ status: 'succeeded', attempt: 2 });
  });
});
