import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { newId } from '@flow-like/core';
import {
  API_KEY_LOOKUP_TTL_MS,
  createApiKey,
  createDatabase,
  createProject,
  findApiKey,
  getLiveWorkflowVersion,
  registerWorkflowVersion,
  revokeApiKey,
  schema,
  softDeleteWorkflow,
  submitExecutions,
  type DatabaseHandle,
} from '@flow-like/db';
import { queueRoom } from '@flow-like/db/queueRoom';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';

describe('the lookups of a submission', () => {
  let env: TestEnv;
  let database: DatabaseHandle;

  beforeAll(async () => {
    env = await createTestEnv();
    database = createDatabase(env.databaseUrl);
  });

  afterAll(async () => {
    await database?.close();
    await env?.cleanup();
  });

  const register = (projectId: string, name: string, document: unknown) =>
    registerWorkflowVersion(database.db, { projectId, name, document, checksum: 'x', documentKey: () => 'k' }, async () => {});

  const queue = (projectId: string, workflowId: string, n: number) =>
    submitExecutions(
      database.db,
      Array.from({ length: n }, () => ({ id: newId(), projectId, workflowId, workflowVersion: 1, input: {}, timeoutSeconds: 60 })),
      { enqueue: async () => {} },
    );

  it('queue room: the project limit or the default, and counts of queued rows only, stopping one past each limit', async () => {
    const limited = await createProject(database.db, { name: 'room-limited', maxQueueDepth: 3 });
    const open = await createProject(database.db, { name: 'room-open' });
    const limitedFlow = (await register(limited.id, 'w', {})).workflow.id;
    const openFlow = (await register(open.id, 'w', {})).workflow.id;
    await queue(limited.id, limitedFlow, 6);
    const [finished] = await queue(open.id, openFlow, 3);
    await database.db.update(schema.executions).set({ status: 'cancelled' }).where(eq(schema.executions.id, finished!.id));

    expect(await queueRoom(database.db, limited.id, { projectDefault: 100, total: 100 })).toEqual({ projectLimit: 3, project: 4, total: 8 });
    expect(await queueRoom(database.db, open.id, { projectDefault: 100, total: 100 })).toEqual({ projectLimit: 100, project: 2, total: 8 });
    expect(await queueRoom(database.db, open.id, { projectDefault: 2, total: 5 })).toEqual({ projectLimit: 2, project: 2, total: 6 });
    expect(await queueRoom(database.db, newId(), { projectDefault: 7, total: 100 })).toEqual({ projectLimit: 7, project: 0, total: 8 });
  });

  it('a live workflow comes with the version asked for, else its latest; deleted and foreign ones are not found', async () => {
    const own = await createProject(database.db, { name: 'versions-own' });
    const other = await createProject(database.db, { name: 'versions-other' });
    await register(own.id, 'flow', { v: 1 });
    const { workflow } = await register(own.id, 'flow', { v: 2 });

    const latest = await getLiveWorkflowVersion(database.db, workflow.id, own.id, undefined);
    expect(latest?.workflow.id).toBe(workflow.id);
    expect(latest?.version).toMatchObject({ workflowId: workflow.id, version: 2, document: { v: 2 } });
    expect((await getLiveWorkflowVersion(database.db, workflow.id, own.id, 1))?.version).toMatchObject({ version: 1, document: { v: 1 } });
    const missing = await getLiveWorkflowVersion(database.db, workflow.id, own.id, 3);
    expect(missing?.workflow.id).toBe(workflow.id);
    expect(missing?.version).toBeUndefined();
    expect(await getLiveWorkflowVersion(database.db, workflow.id, other.id, undefined)).toBeUndefined();

    await softDeleteWorkflow(database.db, workflow.id, own.id);
    expect(await getLiveWorkflowVersion(database.db, workflow.id, own.id, 1)).toBeUndefined();
  });

  it('a key revoked through the same handle is refused at once, one revoked elsewhere within the lookup bound', async () => {
    const project = await createProject(database.db, { name: 'keys' });
    const here = await createApiKey(database.db, { projectId: project.id, name: 'here', scopes: ['read'] });
    const elsewhere = await createApiKey(database.db, { projectId: project.id, name: 'elsewhere', scopes: ['read'] });
    expect((await findApiKey(database.db, here.key))?.id).toBe(here.record.id);
    expect((await findApiKey(database.db, elsewhere.key))?.id).toBe(elsewhere.record.id);

    await revokeApiKey(database.db, project.id, here.record.id);
    expect(await findApiKey(database.db, here.key)).toBeUndefined();

    const otherProcess = createDatabase(env.databaseUrl);
    try {
      await revokeApiKey(otherProcess.db, project.id, elsewhere.record.id);
    } finally {
      await otherProcess.close();
    }
    await waitFor(async () => (await findApiKey(database.db, elsewhere.key)) === undefined, {
      timeoutMs: API_KEY_LOOKUP_TTL_MS * 3,
      message: 'the key revoked by another process to be refused',
    });
  });
});
