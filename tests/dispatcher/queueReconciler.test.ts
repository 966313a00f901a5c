import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@flow-like/core';
import { createDatabase, createProject, registerWorkflowVersion, submitExecutions, type DatabaseHandle } from '@flow-like/db';
import { reconcileQueue } from '@flow-like/dispatcher/queueReconciler';
import { createExecutionQueue, jobOf, wakeJobId, type ExecutionQueue } from '@flow-like/dispatcher/wakeQueue';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';

// the reconciler walks 500 rows at a time: these counts span several pages
const DELAYED = 1_150;
const DUE = 620;

interface Row {
  id: string;
  projectId: string;
  attempt: number;
  priority: number;
  runAt: Date | null;
}

describe('queue reconciler', () => {
  let env: TestEnv;
  let database: DatabaseHandle;
  let redis: Redis;
  let queue: ExecutionQueue;
  const now = new Date();
  const later = new Date(now.getTime() + 3_600_000);

  beforeEach(async () => {
    env = await createTestEnv();
    database = createDatabase(env.databaseUrl, { maxConnections: 4 });
    redis = new Redis(env.redisUrl, { maxRetriesPerRequest: 1 });
    queue = createExecutionQueue(redis, env.queuePrefix);
  });

  afterEach(async () => {
    await queue?.close();
    redis?.disconnect();
    await database?.close();
    await env?.cleanup();
  });

  /** Queued rows without any wake-up in Redis; every third delayed one is a retry's second attempt, and a few rows are no longer queued. */
  async function seed(): Promise<{ delayed: Row[]; due: Row[] }> {
    const projectId = (await createProject(database.db, { name: 'reconciled', concurrencyLimit: 5 })).id;
    const { workflow } = await registerWorkflowVersion(database.db, { projectId, name: 'w', document: {}, checksum: 'x', documentKey: () => 'k' }, async () => {});
    const submit = (count: number, runAt: Date | null) =>
      submitExecutions(
        database.db,
        Array.from({ length: count }, () => ({ id: newId(), projectId, workflowId: workflow.id, workflowVersion: 1, input: {}, timeoutSeconds: 60, runAt })),
        { enqueue: async () => {} },
      );
    const [delayed, due, finished] = await Promise.all([submit(DELAYED, later), submit(DUE, null), submit(40, null)]);
    const retries = delayed.filter((_, i) => i % 3 === 0).map((e) => e.id);
    await database.pool.query('UPDATE executions SET attempt = 2 WHERE id = ANY($1)', [retries]);
    await database.pool.query("UPDATE executions SET status = 'cancelled' WHERE id = ANY($1)", [finished.map((e) => e.id)]);
    const row = (e: (typeof delayed)[number]): Row => ({ ...e, attempt: retries.includes(e.id) ? 2 : 1 });
    return { delayed: delayed.map(row), due: due.map(row) };
  }

  const jobKey = (row: Row) => queue.toKey(wakeJobId(row.id, row.attempt));
  async function existing(rows: Row[]): Promise<Row[]> {
    const found = await Promise.all(rows.map((row) => redis.exists(jobKey(row))));
    return rows.filter((_, i) => found[i] === 1);
  }
  const ids = (rows: Row[]) => rows.map((row) => row.id).sort();

  it('puts back the wake-up of every queued execution once Redis lost its data, delayed ones delayed and retries under their attempt\'s job id', async () => {
    const { delayed, due } = await seed();

    expect(await reconcileQueue(database.db, queue, redis, () => now)).toBe(DELAYED + DUE);

    expect(ids(await existing([...delayed, ...due]))).toEqual(ids([...delayed, ...due]));
    const counts = await queue.getJobCounts('delayed', 'prioritized', 'waiting');
    expect(counts).toEqual({ delayed: DELAYED, prioritized: DUE, waiting: 0 });
    const retry = delayed.find((row) => row.attempt === 2)!;
    expect((await queue.getJob(`${retry.id}-attempt-2`))?.data).toEqual({ executionId: retry.id, projectId: retry.projectId });
    expect(await reconcileQueue(database.db, queue, redis, () => now)).toBe(0);
  });

  it('while Redis keeps its data, re-adds exactly the lost delayed wake-ups and not the delivered ones of due executions', async () => {
    const { delayed, due } = await seed();
    await queue.addBulk([...delayed, ...due].map((row) => jobOf(row, now)));
    expect(await reconcileQueue(database.db, queue, redis, () => now)).toBe(0);
    // due wake-ups are delivered, then trimmed from the completed ones; a delayed one can only be lost
    const lost = delayed.filter((_, i) => i % 4 === 1);
    await Promise.all([...lost, ...due].map((row) => queue.remove(wakeJobId(row.id, row.attempt))));

    expect(await reconcileQueue(database.db, queue, redis, () => now)).toBe(lost.length);

    expect(ids(await existing(delayed))).toEqual(ids(delayed));
    expect(await existing(due)).toEqual([]);
    expect(await queue.getDelayedCount()).toBe(DELAYED);
  });

  it('looks at every queued execution again after Redis lost its data between passes', async () => {
    const { delayed, due } = await seed();
    expect(await reconcileQueue(database.db, queue, redis, () => now)).toBe(DELAYED + DUE);
    await redis.unlink(...(await redis.keys(`${env.queuePrefix}:*`)));

    expect(await reconcileQueue(database.db, queue, redis, () => now)).toBe(DELAYED + DUE);

    expect(ids(await existing([...delayed, ...due]))).toEqual(ids([...delayed, ...due]));
  });
});
