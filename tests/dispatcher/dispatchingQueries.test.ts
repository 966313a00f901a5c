import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@flow-like/core';
import {
  admitExecutions,
  adoptStaleAttempt,
  createDatabase,
  createProject,
  getExecution,
  heartbeatAttempts,
  listQueuedExecutions,
  listStaleAttempts,
  registerWorkflowVersion,
  requeueAttempt,
  submitExecutions,
  type DatabaseHandle,
} from '@flow-like/db';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';

describe('dispatching queries', () => {
  let env: TestEnv;
  let database: DatabaseHandle;
  let projectId: string;
  let workflowId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    database = createDatabase(env.databaseUrl, { maxConnections: 12 });
    projectId = (await createProject(database.db, { name: 'queries', concurrencyLimit: 5 })).id;
    const registered = await registerWorkflowVersion(
      database.db,
      { projectId, name: 'w', document: {}, checksum: 'x', documentKey: () => 'k' },
      async () => {},
    );
    workflowId = registered.workflow.id;
  });

  afterAll(async () => {
    await database?.close();
    await env?.cleanup();
  });

  const queue = (n: number) =>
    submitExecutions(
      database.db,
      Array.from({ length: n }, () => ({ id: newId(), projectId, workflowId, workflowVersion: 1, input: {}, timeoutSeconds: 60 })),
      { enqueue: async () => {} },
    );
  const takeAll = (round: { candidates: { id: string }[] }) => round.candidates.map((c) => c.id);

  it('admits exactly up to the limits when many rounds race', async () => {
    await queue(40);
    const rounds = await Promise.all(
      Array.from({ length: 10 }, () => admitExecutions(database.db, { limits: { global: 8, projectDefault: 3 }, maxCount: 4 }, takeAll)),
    );
    // the project's own limit (5) is below the global one (8)
    expect(rounds.flat()).toHaveLength(5);
    expect(new Set(rounds.flat().map((e) => e.id)).size).toBe(5);
  });

  it('keeps vouched-for attempts fresh, and lets exactly one sweeper adopt a stale one', async () => {
    const [a, b] = await queue(2);
    await database.db.execute(
      `UPDATE executions SET status = 'running', heartbeat_at = now() - interval '1 minute' WHERE id IN ('${a!.id}', '${b!.id}')` as never,
    );
    await heartbeatAttempts(database.db, [{ id: a!.id, attempt: 1 }]);
    const stale = (await listStaleAttempts(database.db, 30, 100)).map((e) => e.id);
    expect(stale).toContain(b!.id);
    expect(stale).not.toContain(a!.id);
    const adoptions = await Promise.all([1, 2, 3].map(() => adoptStaleAttempt(database.db, { id: b!.id, attempt: 1 }, 30)));
    expect(adoptions.filter(Boolean)).toHaveLength(1);
  });

  it('requeues a lost attempt as the next one, fenced against the old one', async () => {
    const [a] = await queue(1);
    await database.db.execute(`UPDATE executions SET status = 'running' WHERE id = '${a!.id}'` as never);
    const requeued = await requeueAttempt(database.db, { id: a!.id, attempt: 1, delayMs: 5_000, reason: 'PodLost' });
    expect(requeued).toMatchObject({ status: 'queued', attempt: 2, statusReason: 'PodLost' });
    expect(requeued!.runAt!.getTime()).toBeGreaterThan(Date.now() + 2_000);
    expect(await requeueAttempt(database.db, { id: a!.id, attempt: 1, delayMs: 0, reason: 'PodLost' })).toBeUndefined();
    expect((await getExecution(database.db, a!.id))!.attempt).toBe(2);
    expect((await listQueuedExecutions(database.db, { limit: 1_000 })).some((e) => e.id === a!.id && e.attempt === 2)).toBe(true);
  });
});
