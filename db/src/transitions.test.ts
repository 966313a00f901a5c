import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LostRace, newId } from '@flow-like/core';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { createDatabase, type DatabaseHandle } from './client.js';
import { claimExecution, getExecution, listStatusHistory, submitExecutions, transitionExecution, type Execution } from './executions.js';
import { createProject } from './projects.js';
import { registerWorkflowVersion } from './workflows.js';

describe('guarded status transitions', () => {
  let env: TestEnv;
  let database: DatabaseHandle;
  let projectId: string;
  let workflowId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    database = createDatabase(env.databaseUrl);
    projectId = (await createProject(database.db, { name: 'races' })).id;
    const { workflow } = await registerWorkflowVersion(
      database.db,
      { projectId, name: 'w', document: {}, checksum: 'x', documentKey: (id, v) => `workflows/${id}/${v}.json` },
      async () => {},
    );
    workflowId = workflow.id;
  });

  afterAll(async () => {
    await database?.close();
    await env?.cleanup();
  });

  async function queuedExecution(): Promise<Execution> {
    const [row] = await submitExecutions(
      database.db,
      [{ id: newId(), projectId, workflowId, workflowVersion: 1, input: {}, timeoutSeconds: 60 }],
      { enqueue: async () => {} },
    );
    return row!;
  }

  it('lets exactly one of many concurrent actors win a transition; the others get LostRace and change nothing', async () => {
    const execution = await queuedExecution();
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => transitionExecution(database.db, { id: execution.id, to: 'dispatching', reason: `replica ${i}` })),
    );
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const l of lost) expect(l.reason).toBeInstanceOf(LostRace);

    const history = await listStatusHistory(database.db, execution.id);
    expect(history.map((h) => h.to)).toEqual(['queued', 'dispatching']);
    expect(history[1]!.reason).toBe((won[0] as PromiseFulfilledResult<Execution>).value.statusReason);
  });

  it('never moves a terminal execution again', async () => {
    const execution = await queuedExecution();
    await transitionExecution(database.db, { id: execution.id, to: 'cancelled', from: ['queued'], reason: 'cancelled by user' });
    for (const to of ['dispatching', 'running', 'succeeded', 'failed', 'queued'] as const) {
      await expect(transitionExecution(database.db, { id: execution.id, to })).rejects.toBeInstanceOf(LostRace);
    }
    const stored = await getExecution(database.db, execution.id);
    expect(stored?.status).toBe('cancelled');
    expect(stored?.statusReason).toBe('cancelled by user');
  });

  it('fences a stale attempt: its claim and its writes change nothing', async () => {
    const execution = await queuedExecution();
    await transitionExecution(database.db, { id: execution.id, to: 'dispatching' });
    await expect(claimExecution(database.db, execution.id, 2)).rejects.toBeInstanceOf(LostRace);
    const claimed = await claimExecution(database.db, execution.id, 1);
    expect(claimed.status).toBe('running');
    // a duplicate executor of the same attempt finds nothing left to claim
    await expect(claimExecution(database.db, execution.id, 1)).rejects.toBeInstanceOf(LostRace);
    await expect(
      transitionExecution(database.db, { id: execution.id, to: 'succeeded', attempt: 2, set: { resultKey: 'stale' } }),
    ).rejects.toBeInstanceOf(LostRace);
    const stored = await getExecution(database.db, execution.id);
    expect(stored).toMatchObject({ status: 'running', attempt: 1, resultKey: null });
  });

  it('refuses a transition the table does not allow without touching the row', async () => {
    const execution = await queuedExecution();
    await expect(transitionExecution(database.db, { id: execution.id, to: 'succeeded' })).rejects.toBeInstanceOf(LostRace);
    const stored = await getExecution(database.db, execution.id);
    expect(stored).toMatchObject({ status: 'queued', updatedAt: execution.updatedAt });
  });
});
