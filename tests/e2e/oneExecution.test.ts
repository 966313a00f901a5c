import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, listStatusHistory, type DatabaseHandle } from '@flow-like/db';
import { createTestEnv, testS3Client, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';

const greeting = {
  name: 'greeting',
  inputSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  steps: [{ id: 'greet', type: 'transform', params: { expression: '"Hello, " & input.name & "!"' } }],
  output: '{ "message": steps.greet.output }',
};

describe('one execution, end to end', () => {
  let env: TestEnv;
  let system: RunningSystem;
  let database: DatabaseHandle;
  let key: string;

  beforeAll(async () => {
    env = await createTestEnv();
    system = await startSystem(env);
    database = createDatabase(env.databaseUrl);
    ({ key } = await createProjectKey(system, 'e2e'));
  });

  afterAll(async () => {
    await system?.close();
    await database?.close();
    await env?.cleanup();
  });

  it('runs a submitted execution to succeeded with its result in S3 and its history in Postgres', async () => {
    const registered = await system.call('/v1/workflows', { token: key, body: greeting });
    expect(registered.status).toBe(201);

    const submitted = await system.call(`/v1/workflows/${registered.body.id}/executions`, { token: key, body: { input: { name: 'Ada ✓' } } });
    expect(submitted.status).toBe(202);
    expect(submitted.body.status).toBe('queued');
    const id: string = submitted.body.id;
    expect(submitted.headers.get('location')).toBe(`/v1/executions/${id}`);

    const finished = await waitFor(
      async () => {
        const { body } = await system.call(`/v1/executions/${id}`, { token: key });
        return ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(body.status) ? body : undefined;
      },
      { timeoutMs: 30_000, message: `execution ${id} did not finish` },
    );
    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');

    const result = await system.call(`/v1/executions/${id}/result`, { token: key });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ output: { message: 'Hello, Ada ✓!' } });

    const s3 = testS3Client(env.s3);
    const stored = await s3.send(new GetObjectCommand({ Bucket: env.s3.contentBucket, Key: `executions/${id}/1/result.json` }));
    expect(JSON.parse(await stored.Body!.transformToString())).toEqual({ output: { message: 'Hello, Ada ✓!' } });
    s3.destroy();

    const history = await listStatusHistory(database.db, id);
    expect(history.map((h) => h.to)).toEqual(['queued', 'dispatching', 'starting', 'running', 'succeeded']);
    expect(history.every((h) => h.attempt === 1)).toBe(true);
  });
});
