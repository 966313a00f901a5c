import { Agent, request as httpRequest } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '@flow-like/db';
import { createTestEnv, testS3Client, type TestEnv } from '@flow-like/testing/testEnv';
import { ADMIN_TOKEN, createProject, greeting, registerWorkflow, startApi, type RunningApi } from './apiHarness.js';
import { malformedRequest, operationsOf, type Fixture, type FuzzRequest, type Operation, type ProjectIds } from './fuzzRequests.js';
import { storedState } from './fuzzStoredState.js';

const RUNS = 3_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** bodies above this go over a connection of their own: see sendRequest */
const LARGE_BODY_BYTES = 64 * 1024;
const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * One request over node:http, which sends header values as they are (fetch
 * rewrites some). A body the server refuses before reading it all leaves the
 * connection unusable for a next request, so large bodies do not share one.
 */
function sendRequest(baseUrl: string, request: FuzzRequest): Promise<{ status: number; contentType: string | undefined; text: string }> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      baseUrl + request.path,
      {
        method: request.method,
        headers: { ...request.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: body && body.length > LARGE_BODY_BYTES ? false : keepAlive,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, contentType: response.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    outgoing.on('error', (error) => {
      // the server may answer and close before taking a large body; the answer still counts
      if (!(body && body.length > LARGE_BODY_BYTES && 'code' in error && error.code === 'EPIPE')) reject(error);
    });
    outgoing.end(body);
  });
}

async function projectWithData(api: RunningApi, name: string): Promise<{ key: string; ids: ProjectIds }> {
  const { projectId, key } = await createProject(api, name);
  const workflow = await registerWorkflow(api, key, greeting);
  const execution = await api.call(`/v1/workflows/${workflow}/executions`, { token: key, body: { input: { name } } });
  if (execution.status !== 202) throw new Error(`submitting failed: ${execution.status} ${execution.text}`);
  const keys = await api.call(`/v1/projects/${projectId}/keys`, { token: key });
  return { key, ids: { project: projectId, workflow, execution: execution.body.id, key: keys.body.items[0].id } };
}

async function createKey(api: RunningApi, projectId: string, token: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const created = await api.call(`/v1/projects/${projectId}/keys`, { token, body: { name: scopes.join('-'), scopes } });
  if (created.status !== 201) throw new Error(`creating a key failed: ${created.status} ${created.text}`);
  return { id: created.body.id, key: created.body.key };
}

describe('malformed requests over every route', () => {
  let env: TestEnv;
  let api: RunningApi;
  let database: DatabaseHandle;
  let redis: Redis;
  let s3: S3Client;
  let operations: Operation[];
  let fixture: Fixture;

  beforeAll(async () => {
    env = await createTestEnv();
    // no rate limit: thousands of requests from one key are the point here
    api = await startApi(env, { env: { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' } });
    database = createDatabase(env.databaseUrl);
    redis = new Redis(env.redisUrl);
    s3 = testS3Client(env.s3);

    const own = await projectWithData(api, 'fuzz-own');
    const foreign = await projectWithData(api, 'fuzz-foreign');
    const reader = await createKey(api, own.ids.project, own.key, ['read']);
    const revoked = await createKey(api, own.ids.project, own.key, ['submit', 'read']);
    const revoking = await api.call(`/v1/projects/${own.ids.project}/keys/${revoked.id}`, { method: 'DELETE', token: own.key });
    if (revoking.status !== 200) throw new Error(`revoking failed: ${revoking.status} ${revoking.text}`);

    const openapi = await api.call('/openapi.json');
    if (openapi.status !== 200) throw new Error(`GET /openapi.json failed: ${openapi.status} ${openapi.text}`);
    operations = operationsOf(openapi.body);
    fixture = {
      adminToken: ADMIN_TOKEN,
      key: own.key,
      readKey: reader.key,
      revokedKey: revoked.key,
      own: own.ids,
      foreign: foreign.ids,
      loginPaths: ['/admin/login'],
      browserPaths: [
        { method: 'GET', path: '/admin/queues' },
        { method: 'GET', path: '/admin/queues/api/queues' },
        { method: 'PUT', path: '/admin/queues/api/queues/executions/pause' },
        { method: 'PUT', path: '/admin/queues/api/queues/executions/clean/completed' },
        { method: 'GET', path: '/docs' },
      ],
    };
  });

  afterAll(async () => {
    keepAlive.destroy();
    s3?.destroy();
    redis?.disconnect();
    await database?.close();
    await api?.close();
    await env?.cleanup();
  });

  const send = (request: FuzzRequest) => sendRequest(api.url, request);

  it('the fuzzed surface is every documented operation', () => {
    const documented = new Set(operations.map((op) => `${op.method} ${op.path}`));
    for (const expected of ['POST /v1/workflows/{id}/executions', 'POST /v1/workflows/{id}/executions/batch', 'DELETE /v1/projects/{id}/keys/{keyId}', 'GET /v1/executions/{id}/events']) {
      expect(documented).toContain(expected);
    }
  });

  it(`${RUNS} malformed requests get a 4xx problem each and change nothing stored`, async () => {
    const clients = { pool: database.pool, redis, queuePrefix: env.queuePrefix, s3, settings: env.s3 };
    const before = await storedState(clients);
    const flaws = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(malformedRequest(operations, fixture), async (request) => {
        flaws.set(request.flaw, (flaws.get(request.flaw) ?? 0) + 1);
        const answer = await send(request);
        const where = `${request.method} ${request.path.slice(0, 300)} (${request.flaw}) -> ${answer.status} ${answer.text.slice(0, 300)}`;
        expect(answer.status, where).toBeGreaterThanOrEqual(400);
        expect(answer.status, where).toBeLessThan(500);
        expect(answer.contentType, where).toBe('application/problem+json');
        const problem = JSON.parse(answer.text);
        expect(problem, where).toMatchObject({ type: expect.any(String), title: expect.any(String), status: answer.status, detail: expect.any(String) });
      }),
      { numRuns: RUNS },
    );

    expect(await storedState(clients)).toEqual(before);
    // every kind of flaw was actually tried, so a generator that silently stopped producing one shows here
    expect([...flaws.keys()].map((flaw) => flaw.replace(/ (id|keyId)$/, '')).sort()).toEqual(
      expect.arrayContaining(['body', 'credential', 'foreign or unknown', 'malformed', 'method', 'operator page without the admin token', 'read-only key on a write', 'sign-in without the admin token', 'unknown path']),
    );
  }, 300_000);

  it('the stored-state comparison sees a single accepted submission', async () => {
    const clients = { pool: database.pool, redis, queuePrefix: env.queuePrefix, s3, settings: env.s3 };
    const before = await storedState(clients);
    const accepted = await api.call(`/v1/workflows/${fixture.own.workflow}/executions`, { token: fixture.key, body: { input: { name: 'valid' } } });
    expect(accepted.status).toBe(202);
    const after = await storedState(clients);
    expect(after.tables.executions).not.toEqual(before.tables.executions);
    expect(after.queue).not.toEqual(before.queue);
  });
});
