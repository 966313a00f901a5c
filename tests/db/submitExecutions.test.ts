import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { newId } from '@flow-like/core';
import {
  createDatabase,
  createProject,
  registerWorkflowVersion,
  schema,
  softDeleteWorkflow,
  submitExecutions,
  WorkflowChanged,
  type DatabaseHandle,
  type QueuedExecution,
} from '@flow-like/db';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';

/** The order of a submission's two writes, and the guard that makes cached workflow reads safe. */
describe('submitExecutions', () => {
  let env: TestEnv;
  let database: DatabaseHandle;
  let projectId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    database = createDatabase(env.databaseUrl);
    projectId = (await createProject(database.db, { name: 'submitting' })).id;
  });

  afterAll(async () => {
    await database?.close();
    await env?.cleanup();
  });

  const register = (name: string, project = projectId) =>
    registerWorkflowVersion(database.db, { projectId: project, name, document: { name }, checksum: newId(), documentKey: () => 'k' }, async () => {});
  const row = (workflowId: string, workflowVersion: number, project = projectId) => ({
    id: newId(),
    projectId: project,
    workflowId,
    workflowVersion,
    input: {},
    timeoutSeconds: 60,
  });
  const stored = async (id: string) => (await database.db.select({ n: count() }).from(schema.executions).where(eq(schema.executions.id, id)))[0]!.n;

  /** Wake-ups that record what was enqueued and withdrawn, and whether each row existed when it was enqueued. */
  function recordingWakeups() {
    const enqueued: QueuedExecution[] = [];
    const withdrawn: QueuedExecution[] = [];
    const existedAtEnqueue: number[] = [];
    return {
      enqueued,
      withdrawn,
      existedAtEnqueue,
      wakeups: {
        async enqueue(queued: readonly QueuedExecution[]) {
          for (const q of queued) existedAtEnqueue.push(await stored(q.id));
          enqueued.push(...queued);
        },
        async withdraw(queued: readonly QueuedExecution[]) {
          withdrawn.push(...queued);
        },
      },
    };
  }

  it('enqueues the wake-up before the row exists, then stores the row as queued', async () => {
    const { workflow } = await register('ordered');
    const recorder = recordingWakeups();
    const values = row(workflow.id, 1);
    const [execution] = await submitExecutions(database.db, [{ ...values, priority: 7 }], recorder.wakeups, { latest: true });
    expect(recorder.existedAtEnqueue).toEqual([0]);
    expect(recorder.enqueued).toEqual([{ id: values.id, projectId, priority: 7, runAt: null }]);
    expect(recorder.withdrawn).toEqual([]);
    expect(execution).toMatchObject({ id: values.id, status: 'queued', attempt: 1, workflowVersion: 1, priority: 7 });
  });

  it('stores nothing when the enqueue fails', async () => {
    const { workflow } = await register('redis-away');
    const values = row(workflow.id, 1);
    const failing = { enqueue: async () => Promise.reject(new Error('Redis is away')) };
    await expect(submitExecutions(database.db, [values], failing)).rejects.toThrow('Redis is away');
    expect(await stored(values.id)).toBe(0);
  });

  it('withdraws the wake-ups when the insert fails, and passes the insert error on', async () => {
    const { workflow } = await register('duplicate');
    const first = row(workflow.id, 1);
    await submitExecutions(database.db, [first], { enqueue: async () => {} });
    const recorder = recordingWakeups();
    const second = row(workflow.id, 1);
    // the same id twice in one batch: the whole insert fails, both wake-ups go
    await expect(submitExecutions(database.db, [second, { ...first }], recorder.wakeups)).rejects.not.toBeInstanceOf(WorkflowChanged);
    expect(recorder.withdrawn.map((q) => q.id)).toEqual([second.id, first.id]);
    expect(await stored(second.id)).toBe(0);
  });

  it('a withdraw that fails does not hide the insert error', async () => {
    const { workflow } = await register('withdraw-fails');
    const values = row(workflow.id, 1);
    await submitExecutions(database.db, [values], { enqueue: async () => {} });
    const wakeups = { enqueue: async () => {}, withdraw: async () => Promise.reject(new Error('Redis went away too')) };
    await expect(submitExecutions(database.db, [{ ...values }], wakeups)).rejects.toThrow(/duplicate key|executions_pkey|Failed query/);
  });

  it('refuses rows of a workflow that has a newer version when the latest was asked for, but not a pinned version', async () => {
    const { workflow } = await register('versioned');
    await register('versioned');
    const recorder = recordingWakeups();
    const stale = row(workflow.id, 1);
    await expect(submitExecutions(database.db, [stale], recorder.wakeups, { latest: true })).rejects.toBeInstanceOf(WorkflowChanged);
    expect(await stored(stale.id)).toBe(0);
    expect(recorder.withdrawn.map((q) => q.id)).toEqual([stale.id]);

    const [current] = await submitExecutions(database.db, [row(workflow.id, 2)], { enqueue: async () => {} }, { latest: true });
    expect(current!.workflowVersion).toBe(2);
    const [pinned] = await submitExecutions(database.db, [row(workflow.id, 1)], { enqueue: async () => {} });
    expect(pinned!.workflowVersion).toBe(1);
  });

  it('refuses rows of a deleted workflow and of another project’s workflow', async () => {
    const { workflow } = await register('deleted');
    await softDeleteWorkflow(database.db, workflow.id, projectId);
    const gone = row(workflow.id, 1);
    await expect(submitExecutions(database.db, [gone], { enqueue: async () => {} })).rejects.toBeInstanceOf(WorkflowChanged);
    expect(await stored(gone.id)).toBe(0);

    const other = (await createProject(database.db, { name: 'submitting-other' })).id;
    const { workflow: theirs } = await register('theirs', other);
    const foreign = row(theirs.id, 1);
    await expect(submitExecutions(database.db, [foreign], { enqueue: async () => {} })).rejects.toBeInstanceOf(WorkflowChanged);
    expect(await stored(foreign.id)).toBe(0);
  });

  it('stores a batch whole or not at all', async () => {
    const { workflow } = await register('batch');
    const { workflow: deleted } = await register('batch-deleted');
    await softDeleteWorkflow(database.db, deleted.id, projectId);
    const good = Array.from({ length: 3 }, () => row(workflow.id, 1));
    await expect(submitExecutions(database.db, [...good, row(deleted.id, 1)], { enqueue: async () => {} })).rejects.toBeInstanceOf(WorkflowChanged);
    for (const g of good) expect(await stored(g.id)).toBe(0);
    expect(await submitExecutions(database.db, good, { enqueue: async () => {} })).toHaveLength(3);
  });
});
