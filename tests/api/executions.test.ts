import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { count, eq, inArray } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { contentKeys, EXECUTION_QUEUE } from '@flow-like/core';
import { createDatabase, schema, transitionExecution, type DatabaseHandle } from '@flow-like/db';
import { createTestEnv, testS3Client, type TestEnv } from '@flow-like/testing/testEnv';
import { createProject, expectProblem, greeting, registerWorkflow, startApi, UNKNOWN_ID, type RunningApi } from './apiHarness.js';

describe('execution routes', () => {
  let env: TestEnv;
  let api: RunningApi;
  let database: DatabaseHandle;
  let redis: Redis;
  let queue: Queue;
  let s3: S3Client;
  let key: string;
  let projectId: string;
  let workflowId: string;

  const rowsOf = async (project: string) =>
    (await database.db.select({ n: count() }).from(schema.executions).where(eq(schema.executions.projectId, project)))[0]!.n;

  /** What a dispatcher and executor would do, so the result route has something to serve. */
  const finish = async (id: string, output: unknown) => {
    await transitionExecution(database.db, { id, to: 'dispatching' });
    await transitionExecution(database.db, { id, to: 'running', set: { startedAt: new Date() } });
    const resultKey = contentKeys.result(id, 1);
    await s3.send(new PutObjectCommand({ Bucket: env.s3.contentBucket, Key: resultKey, Body: JSON.stringify({ output }), ContentType: 'application/json' }));
    await transitionExecution(database.db, { id, to: 'succeeded', set: { finishedAt: new Date(), resultKey } });
  };

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env, { env: { MAX_RUN_TIMEOUT_SECONDS: '7200' } });
    database = createDatabase(env.databaseUrl);
    redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(EXECUTION_QUEUE, { connection: redis, prefix: env.queuePrefix });
    s3 = testS3Client(env.s3);
    ({ key, projectId } = await createProject(api, 'runs'));
    workflowId = await registerWorkflow(api, key, greeting);
  });

  afterAll(async () => {
    await api?.close();
    await queue?.close();
    redis?.disconnect();
    s3?.destroy();
    await database?.close();
    await env?.cleanup();
  });

  it('accepts a valid submission: a queued row and a BullMQ job with its priority and delay', async () => {
    const runAt = new Date(Date.now() + 60_000).toISOString();
    const answer = await api.call(`/v1/workflows/${workflowId}/executions`, {
      token: key,
      body: { input: { name: 'Ada' }, priority: 90, runAt, timeoutSeconds: 120 },
    });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body).toMatchObject({ status: 'queued', priority: 90, timeoutSeconds: 120, runAt, workflowVersion: 1 });
    const job = await queue.getJob(answer.body.id);
    expect(job?.data).toEqual({ executionId: answer.body.id, projectId });
    expect(job?.opts.priority).toBe(11);
    expect(job?.opts.delay).toBeGreaterThan(50_000);
    expect(await job?.isDelayed()).toBe(true);
  });

  it('a submission right after a new version was registered runs and validates against that version', async () => {
    const name = 'versions-in-flight';
    const id: string = (await api.call('/v1/workflows', { token: key, body: { ...greeting, name } })).body.id;
    const submit = (body: Record<string, unknown>) => api.call(`/v1/workflows/${id}/executions`, { token: key, body });
    expect((await submit({ input: { name: 'v1' } })).body.workflowVersion).toBe(1);
    const stricter = { ...greeting, name, inputSchema: { ...greeting.inputSchema, required: ['name', 'title'], properties: { ...greeting.inputSchema.properties, title: { type: 'string' } } } };
    expect((await api.call('/v1/workflows', { token: key, body: stricter })).body.version).toBe(2);
    expectProblem(await submit({ input: { name: 'v2' } }), 422, /title/);
    expect((await submit({ input: { name: 'v2', title: 'Dr' } })).body.workflowVersion).toBe(2);
    expect((await submit({ input: { name: 'v1' }, version: 1 })).body.workflowVersion).toBe(1);
  });

  it('validates the input against the workflow input schema and names each path', async () => {
    const before = await rowsOf(projectId);
    const answer = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 7, extra: true } } });
    expectProblem(answer, 422);
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['/input/name', '/input']));
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: {} }), 422, /input/);
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'a' }, priority: 101 } }), 422);
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'a' }, runAt: 'tomorrow' } }), 422);
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'a' }, timeoutSeconds: 7201 } }), 422, /timeoutSeconds/);
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'a' }, version: 9 } }), 422, /version/);
    expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'a' }, unknown: 1 } }), 422);
    expectProblem(await api.call(`/v1/workflows/${UNKNOWN_ID}/executions`, { token: key, body: { input: { name: 'a' } } }), 404);
    expect(await rowsOf(projectId)).toBe(before);
  });

  it('refuses values the store cannot keep, bodies of the wrong type, and far-future starts, storing nothing', async () => {
    const before = await rowsOf(projectId);
    const url = `/v1/workflows/${workflowId}/executions`;
    const nul = await api.call(url, { token: key, body: '{"input":{"name":"a\\u0000b"}}' });
    expectProblem(nul, 422);
    expect(nul.body.errors).toEqual([expect.objectContaining({ path: '/input/name' })]);
    const deep = '{"input":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    expectProblem(await api.call(url, { token: key, body: deep }), 422, /nested deeper/);
    expectProblem(await api.call(url, { token: key, body: deep, headers: { 'idempotency-key': 'deep' } }), 422, /nested deeper/);
    expectProblem(await api.call(url, { token: key, body: { input: { name: 'a' }, runAt: '9999-12-31T23:59:59Z' } }), 422, /runAt/);
    expectProblem(await api.call(url, { token: key, body: '', headers: { 'content-type': 'application/json' } }), 400);
    expectProblem(await api.call(url, { token: key, body: '{"input":{}}', headers: { 'content-type': 'text/plain' } }), 415);
    expectProblem(await api.call(url, { method: 'PUT', token: key, body: {} }), 404);
    expectProblem(await api.call(url, { token: key, body: { input: { name: 'a' }, version: 99_999_999_999 } }), 422, /version/);
    expectProblem(await api.call(url, { token: key, body: { input: { name: 'a' }, runAt: '0000-01-01T00:00:00Z' } }), 422);
    expectProblem(await api.call(url, { token: key, body: '{"input":{"name":"\\ud800"}}' }), 422);
    expectProblem(await api.call(`/v1/projects/${projectId}/keys`, { token: key, body: { name: 'nul\u0000name', scopes: ['read'] } }), 422);
    expect(await rowsOf(projectId)).toBe(before);
  });

  describe('Idempotency-Key', () => {
    it('the same key and body give the same execution; another body gives 409', async () => {
      const body = { input: { name: 'once' } };
      const headers = { 'idempotency-key': 'order-1' };
      const first = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body, headers });
      expect(first.status).toBe(202);
      const again = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'once' }, priority: 50 }, headers });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'other' } }, headers }), 409, /Idempotency-Key/);
      expectProblem(await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body, headers: { 'idempotency-key': 'has space' } }), 422);
    });

    it('concurrent duplicates create exactly one execution', async () => {
      const before = await rowsOf(projectId);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'race' } }, headers: { 'idempotency-key': 'race-1' } }),
        ),
      );
      expect(answers.every((a) => a.status === 202 || a.status === 200), JSON.stringify(answers.map((a) => a.status))).toBe(true);
      expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(await rowsOf(projectId)).toBe(before + 1);
      // a duplicate whose insert lost the race withdrew the wake-up it had enqueued first
      const waiting = await queue.getJobs(['waiting', 'prioritized', 'delayed']);
      const ids = new Set(waiting.map((job) => job.data.executionId as string));
      const rows = await database.db.select({ id: schema.executions.id }).from(schema.executions).where(inArray(schema.executions.id, [...ids]));
      expect(rows.length).toBe(ids.size);
    });

    it('keys belong to a project: another project may use the same key', async () => {
      const other = await createProject(api, 'runs-other');
      const otherWorkflow = await registerWorkflow(api, other.key, greeting);
      const headers = { 'idempotency-key': 'shared-key' };
      const mine = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'a' } }, headers });
      const theirs = await api.call(`/v1/workflows/${otherWorkflow}/executions`, { token: other.key, body: { input: { name: 'a' } }, headers });
      expect([mine.status, theirs.status]).toEqual([202, 202]);
      expect(mine.body.id).not.toBe(theirs.body.id);
    });
  });

  describe('batch submit', () => {
    it('accepts all items in one go, in request order, each with a job', async () => {
      const items = Array.from({ length: 250 }, (_, i) => ({ input: { name: `n${i}` }, priority: i % 101 }));
      const answer = await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: { items } });
      expect(answer.status, answer.text).toBe(202);
      expect(answer.body.items).toHaveLength(250);
      expect(answer.body.items.map((e: { priority: number }) => e.priority)).toEqual(items.map((i) => i.priority));
      const jobs = await Promise.all(answer.body.items.map((e: { id: string }) => queue.getJob(e.id)));
      expect(jobs.every(Boolean)).toBe(true);
    });

    it('rejects the whole batch when one item is invalid, naming the item', async () => {
      const before = await rowsOf(projectId);
      const jobsBefore = await queue.count();
      const items = [{ input: { name: 'ok' } }, { input: { name: 'ok' } }, { input: { wrong: 1 } }];
      const answer = await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: { items } });
      expectProblem(answer, 422);
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/items\/2\/input/)]));
      expect(await rowsOf(projectId)).toBe(before);
      expect(await queue.count()).toBe(jobsBefore);
    });

    it('takes at most 1,000 items and at least one', async () => {
      const items = Array.from({ length: 1001 }, () => ({ input: { name: 'x' } }));
      expectProblem(await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: { items } }), 422, /items/);
      expectProblem(await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: { items: [] } }), 422);
      const thousand = await api.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: { items: items.slice(1) } });
      expect(thousand.status).toBe(202);
    });
  });

  it('lists executions newest first with filters and a cursor', async () => {
    const { key: own } = await createProject(api, 'listing');
    const a = await registerWorkflow(api, own, greeting);
    const b = await registerWorkflow(api, own, { ...greeting, name: 'second' });
    const ids: string[] = [];
    for (const [workflow, n] of [[a, 1], [b, 2], [a, 3], [a, 4], [b, 5]] as const) {
      ids.push((await api.call(`/v1/workflows/${workflow}/executions`, { token: own, body: { input: { name: `n${n}` } } })).body.id);
    }
    await api.call(`/v1/executions/${ids[0]}/cancel`, { method: 'POST', token: own });

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await api.call(`/v1/executions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: own });
      pages.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([...ids].reverse());

    const ofB = await api.call(`/v1/executions?workflowId=${b}`, { token: own });
    expect(ofB.body.items.map((e: { id: string }) => e.id)).toEqual([ids[4], ids[1]]);
    const cancelled = await api.call('/v1/executions?status=cancelled', { token: own });
    expect(cancelled.body.items.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
    const both = await api.call('/v1/executions?status=cancelled,queued', { token: own });
    expect(both.body.items).toHaveLength(5);
    const future = await api.call(`/v1/executions?createdAfter=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { token: own });
    expect(future.body.items).toEqual([]);
    const past = await api.call(`/v1/executions?createdBefore=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { token: own });
    expect(past.body.items).toHaveLength(5);

    expectProblem(await api.call('/v1/executions?status=done', { token: own }), 422, /done/);
    expectProblem(await api.call('/v1/executions?createdAfter=yesterday', { token: own }), 422);
    expectProblem(await api.call('/v1/executions?workflowId=nope', { token: own }), 422);
    expectProblem(await api.call('/v1/executions?cursor=%%%', { token: own }), 422);
  });

  it('gets an execution with its status history', async () => {
    const submitted = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'h' } } });
    const answer = await api.call(`/v1/executions/${submitted.body.id}`, { token: key });
    expect(answer.body).toMatchObject({ id: submitted.body.id, status: 'queued', history: [{ from: null, to: 'queued', attempt: 1 }] });
    expectProblem(await api.call(`/v1/executions/${UNKNOWN_ID}`, { token: key }), 404);
    expectProblem(await api.call('/v1/executions/123', { token: key }), 422);
  });

  it('cancelling a queued execution ends it at once and removes its job, so it never starts', async () => {
    const submitted = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'c' } } });
    expect(await queue.getJob(submitted.body.id)).toBeDefined();
    const cancelled = await api.call(`/v1/executions/${submitted.body.id}/cancel`, { method: 'POST', token: key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    expect(await queue.getJob(submitted.body.id)).toBeUndefined();
    const again = await api.call(`/v1/executions/${submitted.body.id}/cancel`, { method: 'POST', token: key });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: submitted.body.id, status: 'cancelled', finishedAt: cancelled.body.finishedAt });
    const concurrent = await Promise.all(
      Array.from({ length: 4 }, () => api.call(`/v1/executions/${submitted.body.id}/cancel`, { method: 'POST', token: key })),
    );
    expect(concurrent.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expectProblem(await api.call(`/v1/executions/${UNKNOWN_ID}/cancel`, { method: 'POST', token: key }), 404);
  });

  it('cancelling a running execution marks it cancelled; the status change is the dispatcher’s signal', async () => {
    const submitted = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'r' } } });
    await transitionExecution(database.db, { id: submitted.body.id, to: 'dispatching' });
    await transitionExecution(database.db, { id: submitted.body.id, to: 'running' });
    const cancelled = await api.call(`/v1/executions/${submitted.body.id}/cancel`, { method: 'POST', token: key });
    expect(cancelled.body.status).toBe('cancelled');
    const history = (await api.call(`/v1/executions/${submitted.body.id}`, { token: key })).body.history;
    expect(history.at(-1)).toMatchObject({ from: 'running', to: 'cancelled' });
  });

  it('reruns an execution as a new one with the same version, input, priority and timeout', async () => {
    const original = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'again' }, priority: 7, timeoutSeconds: 99 } });
    await api.call('/v1/workflows', { token: key, body: { ...greeting, output: 'steps.greet.output' } });
    const rerun = await api.call(`/v1/executions/${original.body.id}/rerun`, { method: 'POST', token: key });
    expect(rerun.status).toBe(202);
    expect(rerun.body).toMatchObject({ status: 'queued', priority: 7, timeoutSeconds: 99, workflowVersion: original.body.workflowVersion });
    expect(rerun.body.id).not.toBe(original.body.id);
    expect(await queue.getJob(rerun.body.id)).toBeDefined();
    expectProblem(await api.call(`/v1/executions/${UNKNOWN_ID}/rerun`, { method: 'POST', token: key }), 404);
  });

  it('refuses to rerun an execution whose workflow was deleted since, with 409 and nothing stored', async () => {
    const { key: own, projectId: ownProject } = await createProject(api, 'rerun-deleted');
    const id = await registerWorkflow(api, own, greeting);
    const original = await api.call(`/v1/workflows/${id}/executions`, { token: own, body: { input: { name: 'once' } } });
    // a first rerun caches the workflow read, so the second one finds the deletion in the insert
    expect((await api.call(`/v1/executions/${original.body.id}/rerun`, { method: 'POST', token: own })).status).toBe(202);
    expect((await api.call(`/v1/workflows/${id}`, { method: 'DELETE', token: own })).status).toBe(204);
    expectProblem(await api.call(`/v1/executions/${original.body.id}/rerun`, { method: 'POST', token: own }), 409, /was deleted/);
    expect(await rowsOf(ownProject)).toBe(2);
  });

  it('streams a stored result, or hands out a presigned URL that serves it', async () => {
    const submitted = await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'res' } } });
    expectProblem(await api.call(`/v1/executions/${submitted.body.id}/result`, { token: key }), 409, /no result/);
    await finish(submitted.body.id, { message: 'Hello, res ✓' });

    const streamed = await api.call(`/v1/executions/${submitted.body.id}/result`, { token: key });
    expect(streamed.status).toBe(200);
    expect(streamed.body).toEqual({ output: { message: 'Hello, res ✓' } });

    const presigned = await api.call(`/v1/executions/${submitted.body.id}/result?presign=true`, { token: key });
    expect(presigned.body).toMatchObject({ url: expect.stringContaining(contentKeys.result(submitted.body.id, 1)), expiresAt: expect.any(String) });
    const downloaded = await fetch(presigned.body.url);
    expect(await downloaded.json()).toEqual({ output: { message: 'Hello, res ✓' } });
    expectProblem(await api.call(`/v1/executions/${submitted.body.id}/result?presign=yes`, { token: key }), 422);
    expectProblem(await api.call(`/v1/executions/${UNKNOWN_ID}/result`, { token: key }), 404);
  });
});
