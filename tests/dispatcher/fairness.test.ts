import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';
import { createLaunchLog, fastDispatcherEnv, registerWorkflow, submit } from './support/fleet.js';

const GLOBAL = 2;

describe('who takes the next slot', () => {
  let env: TestEnv;
  let system: RunningSystem;
  let pool: pg.Pool;

  beforeAll(async () => {
    env = await createTestEnv();
    pool = new pg.Pool({ connectionString: env.databaseUrl, max: 3 });
    await createLaunchLog(pool);
    system = await startSystem(env, { dispatchers: 2, dispatcherEnv: fastDispatcherEnv({ GLOBAL_CONCURRENCY: String(GLOBAL), PROJECT_CONCURRENCY_DEFAULT: '10' }) });
  });

  afterAll(async () => {
    await system?.close();
    await pool?.end();
    await env?.cleanup();
  });

  const firstAt = async (id: string, status: string) =>
    (await pool.query<{ at: Date }>('SELECT at FROM execution_transitions WHERE execution_id = $1 AND to_status = $2 ORDER BY id LIMIT 1', [id, status])).rows[0]?.at;
  const status = async (id: string) => (await pool.query<{ status: string }>('SELECT status FROM executions WHERE id = $1', [id])).rows[0]!.status;

  it("gives a newcomer's first execution the next free slot, however long another project's queue is", async () => {
    const flood = await createProjectKey(system, 'flood');
    const newcomer = await createProjectKey(system, 'newcomer');
    const floodIds = await submit(system, flood.key, await registerWorkflow(system, flood.key), Array.from({ length: 60 }, () => ({ input: { ms: 200 } })));
    await waitFor(
      async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM executions WHERE project_id = $1 AND status IN ('dispatching', 'starting', 'running')", [flood.projectId])).rows[0]!.n === GLOBAL,
      { message: 'the flood to hold every slot' },
    );
    const [mine] = await submit(system, newcomer.key, await registerWorkflow(system, newcomer.key), [{ input: {} }]);
    await waitFor(async () => (await status(mine!)) === 'succeeded', { timeoutMs: 30_000, message: "the newcomer's execution to succeed" });

    const queuedAt = (await firstAt(mine!, 'queued'))!;
    const admittedAt = (await firstAt(mine!, 'dispatching'))!;
    const overtaking = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM execution_transitions WHERE execution_id = ANY($1) AND to_status = 'dispatching' AND at > $2 AND at < $3",
      [floodIds, queuedAt, admittedAt],
    );
    // at most the round that was already deciding when the newcomer arrived; FIFO would let ~58 pass
    expect(overtaking.rows[0]!.n).toBeLessThan(GLOBAL);
    await pool.query("UPDATE executions SET status = 'cancelled', finished_at = now() WHERE project_id = $1 AND status = 'queued'", [flood.projectId]);
  }, 90_000);

  it('starts the more urgent executions of a project first', async () => {
    const { key, projectId } = await createProjectKey(system, 'urgent');
    await pool.query('UPDATE projects SET concurrency_limit = 1 WHERE id = $1', [projectId]);
    const workflowId = await registerWorkflow(system, key);
    const [blocker] = await submit(system, key, workflowId, [{ input: { mode: 'hang' } }]);
    await waitFor(async () => (await status(blocker!)) === 'running', { message: 'the blocker to run' });
    const low = await submit(system, key, workflowId, Array.from({ length: 4 }, () => ({ input: {}, priority: 10 })));
    const high = await submit(system, key, workflowId, Array.from({ length: 4 }, () => ({ input: {}, priority: 90 })));
    expect((await system.call(`/v1/executions/${blocker}/cancel`, { token: key, method: 'POST' })).status).toBe(200);
    await waitFor(async () => (await Promise.all([...low, ...high].map(status))).every((s) => s === 'succeeded'), { timeoutMs: 40_000, message: 'all to succeed' });

    const order = await pool.query<{ execution_id: string }>(
      "SELECT execution_id FROM execution_transitions WHERE execution_id = ANY($1) AND to_status = 'dispatching' ORDER BY id",
      [[...low, ...high]],
    );
    const started = order.rows.map((r) => (high.includes(r.execution_id) ? 'high' : 'low'));
    expect(started).toEqual(['high', 'high', 'high', 'high', 'low', 'low', 'low', 'low']);
  }, 90_000);
});
