import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { eq, inArray } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { EXECUTION_QUEUE } from '@flow-like/core';
import { createDatabase, schema, type DatabaseHandle } from '@flow-like/db';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { ADMIN_TOKEN, createProject, expectProblem, greeting, registerWorkflow, startApi, UNKNOWN_ID, type RunningApi } from './apiHarness.js';

interface Attempt {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** what project B's all-scopes key gets */
  expected: 403 | 404;
}

/**
 * Project B's key against project A's objects, on every route of the OpenAPI
 * document: each attempt is refused and A's rows and jobs stay exactly as
 * they were (DESIGN.md §5, promise 6).
 */
describe('a key of project B cannot see or touch project A', () => {
  let env: TestEnv;
  let api: RunningApi;
  let database: DatabaseHandle;
  let redis: Redis;
  let queue: Queue;
  let a: { projectId: string; key: string };
  let b: { projectId: string; key: string };
  let attempts: Attempt[];

  const snapshotOfA = async () => {
    const db = database.db;
    const workflows = await db.select().from(schema.workflows).where(eq(schema.workflows.projectId, a.projectId));
    const versions = workflows.length
      ? await db.select().from(schema.workflowVersions).where(inArray(schema.workflowVersions.workflowId, workflows.map((w) => w.id)))
      : [];
    const executions = await db.select().from(schema.executions).where(eq(schema.executions.projectId, a.projectId));
    const transitions = await db.select().from(schema.executionTransitions).where(inArray(schema.executionTransitions.executionId, executions.map((e) => e.id)));
    const keys = await db.select().from(schema.apiKeys).where(eq(schema.apiKeys.projectId, a.projectId));
    const project = await db.select().from(schema.projects).where(eq(schema.projects.id, a.projectId));
    const jobs = await Promise.all(executions.map(async (e) => (await queue.getJob(e.id))?.id ?? null));
    return JSON.stringify({ workflows, versions, executions, transitions, keys: keys.map(({ lastUsedAt: _, ...k }) => k), project, jobs });
  };

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env);
    database = createDatabase(env.databaseUrl);
    redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(EXECUTION_QUEUE, { connection: redis, prefix: env.queuePrefix });
    a = await createProject(api, 'tenant-a');
    b = await createProject(api, 'tenant-b');
    const workflowA = await registerWorkflow(api, a.key, greeting);
    await registerWorkflow(api, b.key, greeting);
    const executionA: string = (await api.call(`/v1/workflows/${workflowA}/executions`, { token: a.key, body: { input: { name: 'a' } } })).body.id;
    const keyA: string = (await api.call(`/v1/projects/${a.projectId}/keys`, { token: a.key })).body.items[0].id;
    const submit = { input: { name: 'b' } };
    attempts = [
      { method: 'GET', path: '/v1/projects', expected: 403 },
      { method: 'POST', path: '/v1/projects', body: { name: 'by-b' }, expected: 403 },
      { method: 'GET', path: `/v1/projects/${a.projectId}`, expected: 404 },
      { method: 'PATCH', path: `/v1/projects/${a.projectId}`, body: { concurrencyLimit: 1 }, expected: 403 },
      { method: 'GET', path: `/v1/projects/${a.projectId}/keys`, expected: 404 },
      { method: 'POST', path: `/v1/projects/${a.projectId}/keys`, body: { name: 'stolen', scopes: ['admin'] }, expected: 404 },
      { method: 'DELETE', path: `/v1/projects/${a.projectId}/keys/${keyA}`, expected: 404 },
      { method: 'GET', path: `/v1/projects/${a.projectId}/stats`, expected: 404 },
      { method: 'GET', path: `/v1/workflows/${workflowA}`, expected: 404 },
      { method: 'GET', path: `/v1/workflows/${workflowA}?version=1`, expected: 404 },
      { method: 'DELETE', path: `/v1/workflows/${workflowA}`, expected: 404 },
      { method: 'GET', path: `/v1/workflows/${workflowA}/versions`, expected: 404 },
      { method: 'POST', path: `/v1/workflows/${workflowA}/executions`, body: submit, expected: 404 },
      { method: 'POST', path: `/v1/workflows/${workflowA}/executions`, body: submit, headers: { 'idempotency-key': 'k' }, expected: 404 },
      { method: 'POST', path: `/v1/workflows/${workflowA}/executions/batch`, body: { items: [submit] }, expected: 404 },
      { method: 'GET', path: `/v1/executions/${executionA}`, expected: 404 },
      { method: 'POST', path: `/v1/executions/${executionA}/cancel`, expected: 404 },
      { method: 'POST', path: `/v1/executions/${executionA}/rerun`, expected: 404 },
      { method: 'GET', path: `/v1/executions/${executionA}/result`, expected: 404 },
      { method: 'GET', path: `/v1/executions/${executionA}/result?presign=true`, expected: 404 },
      { method: 'GET', path: `/v1/executions/${executionA}/events`, expected: 404 },
      { method: 'GET', path: `/v1/executions/${executionA}/wait`, expected: 404 },
    ];
  });

  afterAll(async () => {
    await api?.close();
    await queue?.close();
    redis?.disconnect();
    await database?.close();
    await env?.cleanup();
  });

  it('every operation of the OpenAPI document is tried', async () => {
    const document = (await api.call('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const template = (path: string) => path.split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}');
    const tried = new Set(attempts.map((t) => `${t.method} ${template(t.path)}`));
    // listings and registration act on the caller's own project only; they are checked below
    for (const own of ['GET /v1/workflows', 'POST /v1/workflows', 'GET /v1/executions']) tried.add(own);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace('{keyId}', '{id}')}`),
    );
    expect(operations.length).toBeGreaterThan(15);
    expect(operations.filter((operation) => !tried.has(operation))).toEqual([]);
  });

  it('every attempt is refused and changes nothing of project A', async () => {
    const before = await snapshotOfA();
    for (const attempt of attempts) {
      const answer = await api.call(attempt.path, {
        method: attempt.method,
        token: b.key,
        ...(attempt.body === undefined ? {} : { body: attempt.body }),
        ...(attempt.headers ? { headers: attempt.headers } : {}),
      });
      expect(answer.status, `${attempt.method} ${attempt.path}: ${answer.text}`).toBe(attempt.expected);
      expectProblem(answer, attempt.expected);
      // no existence oracle: A's object reads exactly like one that does not exist
      const unknownPath = attempt.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, UNKNOWN_ID);
      const unknown = await api.call(unknownPath, {
        method: attempt.method,
        token: b.key,
        ...(attempt.body === undefined ? {} : { body: attempt.body }),
        ...(attempt.headers ? { headers: attempt.headers } : {}),
      });
      const shape = (text: string, path: string) => text.split(path).join('<path>').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');
      expect(shape(answer.text, attempt.path.split('?')[0]!)).toBe(shape(unknown.text, unknownPath.split('?')[0]!));
    }
    expect(await snapshotOfA()).toBe(before);
  });

  it("listings show only the caller's own project, whatever the filters say", async () => {
    const workflowsOfA: string[] = (await api.call('/v1/workflows', { token: a.key })).body.items.map((w: { id: string }) => w.id);
    const workflows = await api.call('/v1/workflows', { token: b.key });
    expect(workflows.body.items.length).toBe(1);
    expect(workflows.body.items.every((w: { projectId: string }) => w.projectId === b.projectId)).toBe(true);
    const filtered = await api.call(`/v1/executions?workflowId=${workflowsOfA[0]}`, { token: b.key });
    expect(filtered.body.items).toEqual([]);
    const executions = await api.call('/v1/executions', { token: b.key });
    expect(executions.body.items.every((e: { projectId: string }) => e.projectId === b.projectId)).toBe(true);
  });

  it('registering a workflow under the same name in B leaves A’s workflow alone', async () => {
    const before = await snapshotOfA();
    const answer = await api.call('/v1/workflows', { token: b.key, body: { ...greeting, output: 'steps.greet.output' } });
    expect(answer.body.projectId).toBe(b.projectId);
    expect(await snapshotOfA()).toBe(before);
  });

  it('the admin token reaches project A through the project routes', async () => {
    expect((await api.call(`/v1/projects/${a.projectId}/stats`, { token: ADMIN_TOKEN })).status).toBe(200);
    expect((await api.call(`/v1/projects/${a.projectId}/keys`, { token: ADMIN_TOKEN })).status).toBe(200);
  });
});
