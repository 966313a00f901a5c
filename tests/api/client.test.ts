import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, type ExecutionEvent, type FlowLikeClient } from '@flow-like/client';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { ADMIN_TOKEN, greeting, startApi, type RunningApi } from './apiHarness.js';

describe('the typed client against a running api', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: FlowLikeClient;
  let client: FlowLikeClient;
  let projectId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env);
    admin = createClient({ baseUrl: api.url, apiKey: ADMIN_TOKEN });
    const project = await admin.projects.create({ name: 'client' });
    projectId = project.id;
    client = createClient({ baseUrl: `${api.url}/`, apiKey: project.apiKey.key });
  });

  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('registers, submits, lists, follows and cancels through typed calls', async () => {
    const workflow = await client.workflows.register(greeting);
    expect(workflow.version).toBe(1);
    const yaml = await client.workflows.register('name: from-yaml\nsteps:\n  - id: wait\n    type: delay\n    params:\n      ms: 1\n');
    expect(yaml.name).toBe('from-yaml');
    expect((await client.workflows.list()).items.map((w) => w.name).sort()).toEqual(['from-yaml', 'greeting']);
    expect((await client.workflows.get(workflow.id, 1)).document).toMatchObject({ name: 'greeting' });
    expect((await client.workflows.versions(workflow.id)).items).toHaveLength(1);

    const execution = await client.executions.submit(workflow.id, { input: { name: 'typed' }, priority: 70 }, { idempotencyKey: 'client-1' });
    expect(execution.status).toBe('queued');
    expect((await client.executions.submit(workflow.id, { input: { name: 'typed' }, priority: 70 }, { idempotencyKey: 'client-1' })).id).toBe(execution.id);
    const batch = await client.executions.submitBatch(workflow.id, { items: [{ input: { name: 'a' } }, { input: { name: 'b' } }] });
    expect(batch.items).toHaveLength(2);

    const page = await client.executions.list({ status: ['queued'], workflowId: workflow.id, limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    const rest = await client.executions.list({ status: ['queued'], workflowId: workflow.id, cursor: page.nextCursor! });
    expect(rest.items).toHaveLength(1);

    expect((await client.executions.wait(execution.id)).reason).toBe('next_in_line');
    expect((await client.projects.stats(projectId)).queued).toBe(3);
    await client.executions.cancel(execution.id);
    const seen: ExecutionEvent[] = [];
    for await (const event of client.executions.events(execution.id)) seen.push(event);
    expect(seen.map((e) => e.event)).toEqual(['status', 'status', 'end']);
    expect(seen[1]!.data).toMatchObject({ status: 'cancelled' });
    const resumed: ExecutionEvent[] = [];
    for await (const event of client.executions.events(execution.id, { lastEventId: seen[0]!.id! })) resumed.push(event);
    expect(resumed.map((e) => e.event)).toEqual(['status', 'end']);

    const rerun = await client.executions.rerun(execution.id);
    expect(rerun.id).not.toBe(execution.id);
  });

  it('throws ApiError carrying the problem, its field paths and Retry-After', async () => {
    const workflow = await client.workflows.register({ ...greeting, name: 'strict' });
    const error = await client.executions.submit(workflow.id, { input: { name: 5 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).problem.errors?.[0]?.path).toBe('/input/name');
    const missing = await client.executions.get('01900000-0000-7000-8000-000000000000').catch((e: unknown) => e);
    expect((missing as ApiError).status).toBe(404);
    const forbidden = await client.projects.list().catch((e: unknown) => e);
    expect((forbidden as ApiError).status).toBe(403);
  });

  it('manages keys: a created key works, and stops working once revoked', async () => {
    const created = await client.projects.createKey(projectId, { name: 'ci', scopes: ['read'] });
    const reader = createClient({ baseUrl: api.url, apiKey: created.key });
    expect((await reader.workflows.list()).items.length).toBeGreaterThan(0);
    expect((await client.projects.listKeys(projectId)).items.map((k) => k.name)).toContain('ci');
    await client.projects.revokeKey(projectId, created.id);
    expect(((await reader.workflows.list().catch((e: unknown) => e)) as ApiError).status).toBe(401);
  });

  it('the OpenAPI document describes every operation with its error answers', async () => {
    const document = (await api.call('/openapi.json')).body;
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const operation of operations) {
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '422']));
    }
    expect(document.components.schemas.Execution.properties.status.enum).toContain('queued');
    expect(document.paths['/v1/workflows/{id}/executions'].post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'idempotency-key', in: 'header' })]),
    );
  });
});
