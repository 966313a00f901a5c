import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';
import { countUnfinished, createLaunchLog, fastDispatcherEnv, invariantViolations, registerWorkflow, sampleActiveCounts, submit } from './support/fleet.js';

const GLOBAL = 6;
const PROJECT_DEFAULT = 3;

describe('three dispatcher replicas', () => {
  let env: TestEnv;
  let system: RunningSystem;
  let pool: pg.Pool;

  beforeAll(async () => {
    env = await createTestEnv();
    pool = new pg.Pool({ connectionString: env.databaseUrl, max: 4 });
    await createLaunchLog(pool);
    system = await startSystem(env, {
      dispatchers: 3,
      dispatcherEnv: fastDispatcherEnv({ GLOBAL_CONCURRENCY: String(GLOBAL), PROJECT_CONCURRENCY_DEFAULT: String(PROJECT_DEFAULT) }),
    });
  });

  afterAll(async () => {
    await system?.close();
    await pool?.end();
    await env?.cleanup();
  });

  it('end every execution exactly once, launch no attempt twice, never exceed a limit, and never start a cancelled queued execution', async () => {
    const projects = await Promise.all(['alpha', 'beta', 'gamma'].map((name) => createProjectKey(system, name)));
    // gamma's own limit is below the default
    await pool.query('UPDATE projects SET concurrency_limit = 1 WHERE id = $1', [projects[2]!.projectId]);
    const limits = new Map(projects.map((p, i) => [p.projectId, i === 2 ? 1 : PROJECT_DEFAULT]));
    const workflows = await Promise.all(projects.map((p) => registerWorkflow(system, p.key)));

    const sampler = sampleActiveCounts(pool);
    const submitted = await Promise.all(
      projects.map((p, i) => submit(system, p.key, workflows[i]!, Array.from({ length: 20 }, (_, n) => ({ input: { ms: 20 + ((n * 37) % 120) } })))),
    );
    // cancel the tail of each project's queue straight away: most are still queued
    const cancels = await Promise.all(
      projects.flatMap((p, i) => submitted[i]!.slice(-5).map((id) => system.call(`/v1/executions/${id}/cancel`, { token: p.key, method: 'POST' }))),
    );
    expect(cancels.every((c) => c.status === 200 || c.status === 409)).toBe(true);

    await waitFor(async () => (await countUnfinished(pool)) === 0, { timeoutMs: 80_000, message: 'every execution to end' });
    const sampled = await sampler.stop();

    expect(await invariantViolations(pool)).toEqual([]);
    expect(sampled.samples).toBeGreaterThan(50);
    expect(sampled.maxGlobal).toBeLessThanOrEqual(GLOBAL);
    for (const [projectId, max] of sampled.maxPerProject) expect(max, `project ${projectId}`).toBeLessThanOrEqual(limits.get(projectId)!);
    // the limits were reached, so the bounds above were tested rather than idle
    expect(sampled.maxGlobal).toBe(GLOBAL);

    const { rows } = await pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM executions GROUP BY status');
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const others = await pool.query("SELECT id, status, attempt, error FROM executions WHERE status NOT IN ('succeeded', 'cancelled')");
    expect(others.rows).toEqual([]);
    expect((byStatus.succeeded ?? 0) + (byStatus.cancelled ?? 0)).toBe(60);
    const cancelledWhileQueued = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM execution_transitions WHERE to_status = 'cancelled' AND from_status = 'queued'");
    expect(cancelledWhileQueued.rows[0]!.n).toBeGreaterThan(0);
  }, 120_000);

  it('cancelling a running execution stops its run and ends it cancelled', async () => {
    const { key } = await createProjectKey(system, 'cancel-running');
    const workflowId = await registerWorkflow(system, key);
    const [id] = await submit(system, key, workflowId, [{ input: { mode: 'hang' } }]);
    await waitFor(async () => (await system.call(`/v1/executions/${id}`, { token: key })).body.status === 'running', { message: 'the execution to run' });
    const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM test_launches WHERE execution_id = $1', [id]);
    const pid = rows[0]!.pid;

    const first = await system.call(`/v1/executions/${id}/cancel`, { token: key, method: 'POST' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('cancelled');
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { message: `the run (pid ${pid}) to stop` },
    );
    const again = await system.call(`/v1/executions/${id}/cancel`, { token: key, method: 'POST' });
    // idempotent: the repeated cancel answers like the first
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('cancelled');
    expect((await system.call(`/v1/executions/${id}`, { token: key })).body.status).toBe('cancelled');
  });
});
