import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { createProject, startApi, type RunningApi } from './apiHarness.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  reusedSocket: boolean;
}

/**
 * One request through `agent`. The body is written in two parts, the second
 * only once the answer is in, as a client streaming a large upload does when
 * the server refuses it early. Errors after the answer (the server stopping
 * to read an upload it refused) do not matter: the answer does.
 */
function send(agent: Agent, url: string, init: { method: string; headers: Record<string, string>; body?: [string, string] }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent, method: init.method, headers: init.headers });
    let answered = false;
    outgoing.on('response', (response) => {
      answered = true;
      response.resume();
      response.on('end', () => {
        resolve({ status: response.statusCode!, headers: response.headers, reusedSocket: outgoing.reusedSocket });
        if (init.body) outgoing.end(init.body[1]);
      });
    });
    outgoing.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (init.body) outgoing.write(init.body[0]);
    else outgoing.end();
  });
}

describe('a body over the limit on a keep-alive connection', () => {
  let env: TestEnv;
  let api: RunningApi;

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env, { env: { MAX_BODY_BYTES: '20000' } });
  });

  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('is refused with 413 and "connection: close", and the next request through the same agent is answered', async () => {
    const { key } = await createProject(api, 'oversized');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const list = { method: 'GET', headers: { authorization: `Bearer ${key}` } };
      const warm = await send(agent, `${api.url}/v1/workflows`, list);
      expect(warm.status).toBe(200);

      const body = JSON.stringify({ input: { blob: 'x'.repeat(200_000) } });
      const half = Math.floor(body.length / 2);
      const refused = await send(agent, `${api.url}/v1/workflows/${'0'.repeat(8)}/executions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': String(body.length) },
        body: [body.slice(0, half), body.slice(half)],
      });
      expect(refused.status).toBe(413);
      expect(refused.reusedSocket).toBe(true);
      expect(refused.headers.connection).toBe('close');

      const next = await send(agent, `${api.url}/v1/workflows`, list);
      expect(next.status).toBe(200);
      expect(next.reusedSocket).toBe(false);
    } finally {
      agent.destroy();
    }
  });
});
