import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProject, greeting, registerWorkflow, startApi } from './apiHarness.js';

describe('graceful shutdown', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv();
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('stops accepting connections but finishes a request already in flight', async () => {
    const api = await startApi(env);
    const { key } = await createProject(api, 'stopping');
    const workflowId = await registerWorkflow(api, key, greeting);

    // a submission whose body is still on its way when the shutdown starts
    const inFlight = request(`${api.url}/v1/workflows/${workflowId}/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      inFlight.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      inFlight.on('error', reject);
    });
    inFlight.write('{"input": {"name": ');
    await waitFor(() => inFlight.socket?.writable && !inFlight.socket.connecting, { message: 'the request to be connected' });

    const closing = api.close();
    await waitFor(
      async () => {
        try {
          await fetch(`${api.url}/healthz`);
          return false;
        } catch {
          return true;
        }
      },
      { message: 'new connections to be refused' },
    );
    inFlight.end('"late"}}');
    const finished = await answer;
    expect(finished.status, finished.body).toBe(202);
    expect(JSON.parse(finished.body)).toMatchObject({ status: 'queued' });
    await closing;
  });
});
