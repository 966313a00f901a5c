import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { createDatabase, schema, type DatabaseHandle } from '@flow-like/db';
import { createPrivateServices, type PrivateServices } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';

const echo = {
  name: 'echo',
  inputSchema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
  steps: [{ id: 'echo', type: 'transform', params: { expression: 'input.text' } }],
  output: 'steps.echo.output',
};

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

function expectProblem(answer: { status: number; body: any; headers: Headers }, status: number): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(JSON.stringify(answer.body)).not.toMatch(/\n\s+at /);
}

/**
 * The skeleton's error paths, on private servers because one test stops
 * Redis: a bad document, unknown ids, and a submission while Redis is down.
 */
describe('errors on the path of an execution', () => {
  let services: PrivateServices;
  let system: RunningSystem;
  let database: DatabaseHandle;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    services = await createPrivateServices();
    system = await startSystem(services.env);
    database = createDatabase(services.env.databaseUrl);
    ({ key } = await createProjectKey(system, 'errors'));
    const registered = await system.call('/v1/workflows', { token: key, body: echo });
    expect(registered.status).toBe(201);
    workflowId = registered.body.id;
  });

  afterAll(async () => {
    await system?.close();
    await database?.close();
    await services?.stopAll();
  });

  it('refuses a workflow document with a problem that names the wrong field', async () => {
    const before = await database.db.select({ n: count() }).from(schema.workflows);
    const bad = { ...echo, steps: [{ id: 'echo', type: 'transform', params: { expression: 42 } }] };
    const answer = await system.call('/v1/workflows', { token: key, body: bad });
    expectProblem(answer, 422);
    expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^\/steps\/0\/params\/expression/) })]));

    const noName = await system.call('/v1/workflows', { token: key, body: { ...echo, name: undefined } });
    expectProblem(noName, 422);
    expect(noName.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/name' })]));

    const notJson = await system.call('/v1/workflows', { token: key, body: '{"name": ' });
    expect(notJson.status).toBeGreaterThanOrEqual(400);
    expect(notJson.status).toBeLessThan(500);

    const after = await database.db.select({ n: count() }).from(schema.workflows);
    expect(after).toEqual(before);
  });

  it('answers 404 problems for unknown ids and 422 naming the parameter for malformed ones', async () => {
    for (const path of [`/v1/executions/${UNKNOWN_ID}`, `/v1/executions/${UNKNOWN_ID}/result`]) {
      expectProblem(await system.call(path, { token: key }), 404);
    }
    expectProblem(await system.call(`/v1/workflows/${UNKNOWN_ID}/executions`, { token: key, body: { input: { text: 'x' } } }), 404);
    const malformed = await system.call('/v1/executions/not-an-id', { token: key });
    expectProblem(malformed, 422);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ path: '/id' })]);
  });

  it('answers 503 at once while Redis is down and leaves no execution behind, then accepts again', async () => {
    await services.redis.stop();
    try {
      const answer = await system.call(`/v1/workflows/${workflowId}/executions`, {
        token: key,
        body: { input: { text: 'while redis is down' } },
        // "at once": a hung request would fail this deadline instead of hanging the suite
        signal: AbortSignal.timeout(10_000),
      });
      expectProblem(answer, 503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      const rows = await database.db.select({ n: count() }).from(schema.executions).where(eq(schema.executions.workflowId, workflowId));
      expect(rows[0]!.n).toBe(0);
    } finally {
      await services.redis.restart();
    }

    const accepted = await waitFor(
      async () => {
        const answer = await system.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { text: 'back' } } });
        return answer.status === 202 ? answer : undefined;
      },
      { timeoutMs: 20_000, message: 'the api did not accept submissions after Redis came back' },
    );
    const finished = await waitFor(
      async () => {
        const { body } = await system.call(`/v1/executions/${accepted.body.id}`, { token: key });
        return body.status === 'succeeded' ? body : undefined;
      },
      { timeoutMs: 30_000, message: 'the execution submitted after Redis came back did not succeed' },
    );
    expect(finished.status).toBe('succeeded');
  });
});
