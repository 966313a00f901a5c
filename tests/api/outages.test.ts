import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { createDatabase, schema, type DatabaseHandle } from '@flow-like/db';
import { createPrivateServices, type PrivateServices } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProject, expectProblem, greeting, registerWorkflow, startApi, type Answer, type RunningApi } from './apiHarness.js';
import { openEvents } from './sseClient.js';

/**
 * A dependency that is away gives a 503 problem with Retry-After (never a
 * 500, never a hang), and nothing half-stored: no row without its job, no
 * workflow version without its S3 copy.
 */
describe('answers while a dependency is down', () => {
  let services: PrivateServices;
  let api: RunningApi;
  let database: DatabaseHandle;
  let key: string;
  let workflowId: string;

  const executions = async () => (await database.db.select({ n: count() }).from(schema.executions).where(eq(schema.executions.workflowId, workflowId)))[0]!.n;
  const workflowCount = async () => (await database.db.select({ n: count() }).from(schema.workflows))[0]!.n;
  const unavailable = (answer: Answer, dependency: RegExp) => {
    expectProblem(answer, 503, dependency);
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
  };

  beforeAll(async () => {
    services = await createPrivateServices();
    api = await startApi(services.env, { env: { DATABASE_CONNECT_TIMEOUT_MS: '1000' } });
    database = createDatabase(services.env.databaseUrl);
    ({ key } = await createProject(api, 'outages'));
    workflowId = await registerWorkflow(api, key, greeting);
  });

  afterAll(async () => {
    await api?.close();
    await database?.close();
    await services?.stopAll();
  });

  it('Redis down: single and batch submissions get 503 and leave no row', async () => {
    await services.redis.stop();
    try {
      unavailable(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'r' } } }), /Redis/);
      unavailable(await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: { items: [{ input: { name: 'a' } }, { input: { name: 'b' } }] } }), /Redis/);
      expect(await executions()).toBe(0);
      const ready = await api.call('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.postgres).toBe('ok');
    } finally {
      await services.redis.restart();
    }
    await waitFor(async () => (await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'back' } } })).status === 202, {
      timeoutMs: 20_000,
      message: 'submissions accepted again after Redis came back',
    });
    expect(await executions()).toBe(1);
  });

  it('Postgres down: authenticated routes get 503, not 401 or 500', async () => {
    await services.postgres.stop();
    try {
      unavailable(await api.call('/v1/workflows', { token: key }), /PostgreSQL/);
      unavailable(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'p' } } }), /PostgreSQL/);
      expect((await api.call('/readyz')).status).toBe(503);
    } finally {
      await services.postgres.restart();
    }
    await waitFor(async () => (await api.call('/v1/workflows', { token: key })).status === 200, {
      timeoutMs: 20_000,
      message: 'reads answered again after PostgreSQL came back',
    });
    expect(await executions()).toBe(1);
  });

  it('an open event stream keeps following across a PostgreSQL restart', async () => {
    const id: string = (await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'follow' } } })).body.id;
    const stream = await openEvents(`${api.url}/v1/executions/${id}/events`, { authorization: `Bearer ${key}` });
    expect((await stream.next())?.event).toBe('status');
    await services.postgres.restart();
    // the restart drops the LISTEN connection; once it is back, a cancel must still reach the stream
    await waitFor(async () => (await api.call(`/v1/executions/${id}/cancel`, { method: 'POST', token: key })).status === 200, {
      timeoutMs: 20_000,
      message: 'the cancel accepted after PostgreSQL came back',
    });
    const rest = await stream.collect((event) => event.event === 'end');
    expect(rest.map((event) => event.event)).toEqual(['status', 'end']);
    expect(JSON.parse(rest[0]!.data)).toMatchObject({ status: 'cancelled' });
  });

  it('S3 down: registering a workflow gets 503 and leaves no workflow behind', async () => {
    const before = await workflowCount();
    await services.s3.stop();
    try {
      unavailable(await api.call('/v1/workflows', { token: key, body: { ...greeting, name: 'while-s3-is-down' } }), /S3/);
      expect(await workflowCount()).toBe(before);
    } finally {
      await services.s3.restart();
    }
    await waitFor(async () => (await api.call('/v1/workflows', { token: key, body: { ...greeting, name: 'after-s3' } })).status === 201, {
      timeoutMs: 20_000,
      message: 'registration accepted again after S3 came back',
    });
  });
});
