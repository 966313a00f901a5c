import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { createDatabase, schema, transitionExecution, type DatabaseHandle } from '@flow-like/db';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { ADMIN_TOKEN, capturingLogger, createProject, expectProblem, greeting, registerWorkflow, startApi, type RunningApi } from './apiHarness.js';

const open = { name: 'open', inputSchema: { type: 'object' }, steps: [{ id: 'wait', type: 'delay', params: { ms: 1 } }] };

describe('limits, stats, metrics and logs', () => {
  let env: TestEnv;
  let api: RunningApi;
  let database: DatabaseHandle;
  let logs: string[];

  const rows = async (projectId: string) =>
    (await database.db.select({ n: count() }).from(schema.executions).where(eq(schema.executions.projectId, projectId)))[0]!.n;

  beforeAll(async () => {
    env = await createTestEnv();
    const captured = capturingLogger();
    logs = captured.lines;
    api = await startApi(env, {
      logger: captured.logger,
      env: { MAX_BODY_BYTES: '20000', MAX_BATCH_BODY_BYTES: '200000', MAX_INPUT_BYTES: '2000', RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '40', GLOBAL_CONCURRENCY: '3' },
    });
    database = createDatabase(env.databaseUrl);
  });

  afterAll(async () => {
    await api?.close();
    await database?.close();
    await env?.cleanup();
  });

  it('refuses a body over the limit with 413, and the same for an input over the input limit', async () => {
    const { key, projectId } = await createProject(api, 'big');
    const workflowId = await registerWorkflow(api, key, open);
    const huge = { input: { blob: 'x'.repeat(30_000) } };
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: huge }), 413, /20000 bytes/);
    const chunked = await fetch(`${api.url}/v1/workflows/${workflowId}/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: new Blob([JSON.stringify(huge)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { blob: 'x'.repeat(5_000) } } }), 413, /input/);
    const batch = { items: [{ input: { n: 1 } }, { input: { blob: 'x'.repeat(5_000) } }] };
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: batch }), 413, /\/items\/1/);
    const bigBatch = { items: Array.from({ length: 100 }, () => ({ input: { blob: 'y'.repeat(1_000) } })) };
    expect((await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: bigBatch })).status).toBe(202);
    expect(await rows(projectId)).toBe(100);
  });

  it('holds each key to its rate and says when to come back', async () => {
    const { key, projectId } = await createProject(api, 'eager');
    const other = await api.call(`/v1/projects/${projectId}/keys`, { token: key, body: { name: 'second', scopes: ['read'] } });
    let refused;
    for (let i = 0; i < 100 && !refused; i++) {
      const answer = await api.call('/v1/workflows', { token: key });
      if (answer.status === 429) refused = answer;
    }
    expect(refused, 'the burst of 40 was never exhausted').toBeDefined();
    expectProblem(refused!, 429, /rate limit/);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api.call('/v1/workflows', { token: other.body.key })).status).toBe(200);
  });

  it('refuses a submission past the project queue depth with 429 and stores nothing', async () => {
    const { key, projectId } = await createProject(api, 'shallow', { maxQueueDepth: 3 });
    const workflowId = await registerWorkflow(api, key, open);
    const batch = await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: { items: [{ input: {} }, { input: {} }, { input: {} }, { input: {} }] } });
    expectProblem(batch, 429, /at most 3/);
    expect(batch.headers.get('retry-after')).toBeTruthy();
    for (let i = 0; i < 3; i++) expect((await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: {} } })).status).toBe(202);
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: {} } }), 429);
    expect(await rows(projectId)).toBe(3);
  });

  it('reports queue stats and why a queued execution waits', async () => {
    const { key, projectId } = await createProject(api, 'waiting', { concurrencyLimit: 1 });
    const workflowId = await registerWorkflow(api, key, open);
    const submit = async (body: object = {}) => (await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: {}, ...body } })).body.id as string;
    const first = await submit();
    expect((await api.call(`/v1/executions/${first}/wait`, { token: key })).body).toMatchObject({ waiting: true, reason: 'next_in_line' });
    const later = await submit({ runAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await api.call(`/v1/executions/${later}/wait`, { token: key })).body).toMatchObject({ reason: 'delayed' });

    await transitionExecution(database.db, { id: first, to: 'dispatching' });
    const second = await submit();
    expect((await api.call(`/v1/executions/${second}/wait`, { token: key })).body).toMatchObject({ reason: 'project_limit', detail: expect.stringContaining('1 of its 1') });
    expect((await api.call(`/v1/executions/${first}/wait`, { token: key })).body).toMatchObject({ waiting: false, reason: null, status: 'dispatching' });

    const stats = await api.call(`/v1/projects/${projectId}/stats`, { token: key });
    expect(stats.body).toMatchObject({ projectId, queued: 2, running: 1, limit: 1, globalLimit: 3 });
    expect(stats.body.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(0);

    const busy = await createProject(api, 'busy', { concurrencyLimit: 10 });
    const busyWorkflow = await registerWorkflow(api, busy.key, open);
    const ids = (await api.call(`/v1/workflows/${busyWorkflow}/executions/batch`, { token: busy.key, body: { items: [{ input: {} }, { input: {} }, { input: {} }] } })).body.items.map((e: { id: string }) => e.id);
    await transitionExecution(database.db, { id: ids[0], to: 'dispatching' });
    await transitionExecution(database.db, { id: ids[1], to: 'dispatching' });
    expect((await api.call(`/v1/executions/${ids[2]}/wait`, { token: busy.key })).body).toMatchObject({ reason: 'global_limit' });
  });

  it('serves Prometheus metrics for submissions, queue depth and age, durations, outcomes and HTTP latency', async () => {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    for (const name of [
      'flow_like_submissions_total',
      'flow_like_queue_depth',
      'flow_like_queue_oldest_age_seconds',
      'flow_like_running_executions',
      'flow_like_execution_wait_seconds',
      'flow_like_execution_run_seconds',
      'flow_like_execution_outcomes_total',
      'flow_like_http_request_duration_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toMatch(/flow_like_submissions_total\{project="[0-9a-f-]+"\} \d+/);
    expect(text).toMatch(/flow_like_queue_depth\{project="[0-9a-f-]+"\} [1-9]/);
    expect(text).toMatch(/flow_like_http_request_duration_seconds_count\{method="POST",route="\/v1\/workflows\/:id\/executions",status="202"\} [1-9]/);
  });

  it('counts outcomes and durations from status notifications', async () => {
    const { key } = await createProject(api, 'outcome');
    const workflowId = await registerWorkflow(api, key, greeting);
    const id = (await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'm' } } })).body.id;
    await transitionExecution(database.db, { id, to: 'dispatching' });
    await transitionExecution(database.db, { id, to: 'running', set: { startedAt: new Date() } });
    await transitionExecution(database.db, { id, to: 'failed', set: { finishedAt: new Date() } });
    await waitFor(async () => /flow_like_execution_outcomes_total\{project="[^"]+",status="failed"\} 1/.test(await (await fetch(`${api.url}/metrics`)).text()), {
      message: 'the failed outcome to be counted',
    });
  });

  it('logs every request with its id, and never an API key or the admin token', async () => {
    const { key } = await createProject(api, 'logged');
    await api.call('/v1/workflows', { token: key, headers: { 'x-request-id': 'trace-me-123' } });
    await api.call('/v1/workflows?cursor=x', { token: key });
    await api.call('/v1/projects', { token: ADMIN_TOKEN });
    await api.call('/v1/workflows', { token: 'flk_deadbeef_not-a-real-key-but-secret' });
    const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const projectIdOfKey = (await api.call('/v1/projects', { token: ADMIN_TOKEN })).body.items.find((p: { name: string }) => p.name === 'logged').id;
    expect(lines.find((l) => l.requestId === 'trace-me-123' && l.path === '/v1/workflows')).toMatchObject({ status: 200, method: 'GET', projectId: projectIdOfKey, keyId: expect.any(String) });
    expect(lines.find((l) => l.path === '/v1/projects' && l.msg === 'request')).toMatchObject({ operator: true });
    expect(lines.filter((l) => l.msg === 'request').every((l) => typeof l.requestId === 'string')).toBe(true);
    const all = logs.join('\n');
    expect(all).not.toContain(key);
    expect(all).not.toContain(key.split('_')[2]);
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain('not-a-real-key-but-secret');
  });
});
