import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createDatabase, hashApiKey, schema, type DatabaseHandle } from '@flow-like/db';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { ADMIN_TOKEN, createProject, expectProblem, startApi, UNKNOWN_ID, type RunningApi } from './apiHarness.js';

describe('projects and API keys', () => {
  let env: TestEnv;
  let api: RunningApi;
  let database: DatabaseHandle;

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env);
    database = createDatabase(env.databaseUrl);
  });

  afterAll(async () => {
    await api?.close();
    await database?.close();
    await env?.cleanup();
  });

  it('the admin token creates a project with a key that is shown once and stored only as a hash', async () => {
    const created = await api.call('/v1/projects', { token: ADMIN_TOKEN, body: { name: 'alpha', concurrencyLimit: 3 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'alpha', concurrencyLimit: 3, apiKey: { scopes: ['submit', 'read', 'admin'] } });
    const key: string = created.body.apiKey.key;
    expect(key.startsWith(`flk_${created.body.apiKey.prefix}_`)).toBe(true);

    const [row] = await database.db.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, created.body.apiKey.id));
    expect(row!.hash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key);

    const listed = await api.call(`/v1/projects/${created.body.id}/keys`, { token: key });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ prefix: created.body.apiKey.prefix, revokedAt: null });
    expect(listed.text).not.toContain(key);
    expect(listed.body.items[0]).not.toHaveProperty('key');
    expect(listed.body.items[0]).not.toHaveProperty('hash');
    // "last used" is recorded off the request path
    await waitFor(async () => (await api.call(`/v1/projects/${created.body.id}/keys`, { token: ADMIN_TOKEN })).body.items[0].lastUsedAt, {
      message: 'the key to be marked as used',
    });
  });

  it('refuses requests without a key, with an unknown key and with a malformed header', async () => {
    expectProblem(await api.call('/v1/workflows'), 401);
    expectProblem(await api.call('/v1/workflows', { token: 'flk_00000000_nope' }), 401);
    expectProblem(await api.call('/v1/workflows', { headers: { authorization: 'Token abc' } }), 401);
  });

  it('only the admin token creates, lists and changes projects', async () => {
    const { key, projectId } = await createProject(api, 'beta');
    expectProblem(await api.call('/v1/projects', { token: key, body: { name: 'sneaky' } }), 403);
    expectProblem(await api.call('/v1/projects', { token: key }), 403);
    expectProblem(await api.call(`/v1/projects/${projectId}`, { method: 'PATCH', token: key, body: { concurrencyLimit: 100 } }), 403);

    const listed = await api.call('/v1/projects', { token: ADMIN_TOKEN });
    expect(listed.body.items.map((p: { name: string }) => p.name)).toContain('beta');
    const changed = await api.call(`/v1/projects/${projectId}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { concurrencyLimit: 7, maxQueueDepth: 20 } });
    expect(changed.body).toMatchObject({ concurrencyLimit: 7, maxQueueDepth: 20 });
    const reset = await api.call(`/v1/projects/${projectId}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { concurrencyLimit: null } });
    expect(reset.body).toMatchObject({ concurrencyLimit: null, maxQueueDepth: 20 });
    expect((await api.call(`/v1/projects/${projectId}`, { token: key })).body).toMatchObject({ id: projectId, maxQueueDepth: 20 });
  });

  it('answers bad project bodies and unknown ids with problems', async () => {
    expectProblem(await api.call('/v1/projects', { token: ADMIN_TOKEN, body: { name: 'x y' } }), 422);
    expectProblem(await api.call('/v1/projects', { token: ADMIN_TOKEN, body: { name: 'ok', extra: 1 } }), 422);
    expectProblem(await api.call('/v1/projects', { token: ADMIN_TOKEN, body: { name: 'ok', concurrencyLimit: -1 } }), 422);
    expectProblem(await api.call('/v1/projects', { token: ADMIN_TOKEN, body: '{"name":' }), 400);
    await createProject(api, 'twice');
    expectProblem(await api.call('/v1/projects', { token: ADMIN_TOKEN, body: { name: 'twice' } }), 409);
    expectProblem(await api.call(`/v1/projects/${UNKNOWN_ID}`, { token: ADMIN_TOKEN }), 404);
    expectProblem(await api.call('/v1/projects/not-a-uuid', { token: ADMIN_TOKEN }), 422);
    expectProblem(await api.call(`/v1/projects/${UNKNOWN_ID}`, { method: 'PATCH', token: ADMIN_TOKEN, body: {} }), 404);
  });

  it('creating a project twice at the same moment gives one project and one 409', async () => {
    const answers = await Promise.all([0, 1, 2].map(() => api.call('/v1/projects', { token: ADMIN_TOKEN, body: { name: 'racer' } })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
  });

  it('scopes decide what a key may do', async () => {
    const { key: adminKey, projectId } = await createProject(api, 'scoped');
    const readOnly = await api.call(`/v1/projects/${projectId}/keys`, { token: adminKey, body: { name: 'reader', scopes: ['read'] } });
    expect(readOnly.status).toBe(201);
    const submitOnly = await api.call(`/v1/projects/${projectId}/keys`, { token: adminKey, body: { name: 'submitter', scopes: ['submit'] } });
    const reader: string = readOnly.body.key;
    const submitter: string = submitOnly.body.key;

    expect((await api.call('/v1/workflows', { token: reader })).status).toBe(200);
    expectProblem(await api.call('/v1/workflows', { token: reader, body: { name: 'w', steps: [] } }), 403, /submit/);
    expectProblem(await api.call('/v1/workflows', { token: submitter }), 403, /read/);
    expectProblem(await api.call(`/v1/projects/${projectId}/keys`, { token: reader }), 403, /admin/);
    expectProblem(await api.call(`/v1/projects/${projectId}/keys`, { token: reader, body: { name: 'escalate', scopes: ['admin'] } }), 403);
    expectProblem(await api.call(`/v1/projects/${projectId}/keys`, { token: adminKey, body: { name: 'none', scopes: [] } }), 422);
    expectProblem(await api.call(`/v1/projects/${projectId}/keys`, { token: adminKey, body: { name: 'bad', scopes: ['root'] } }), 422);
  });

  it('a revoked key stops working at once and cannot be revoked twice', async () => {
    const { key: adminKey, projectId } = await createProject(api, 'revoking');
    const extra = await api.call(`/v1/projects/${projectId}/keys`, { token: ADMIN_TOKEN, body: { name: 'temp', scopes: ['read'] } });
    expect((await api.call('/v1/workflows', { token: extra.body.key })).status).toBe(200);

    const revoked = await api.call(`/v1/projects/${projectId}/keys/${extra.body.id}`, { method: 'DELETE', token: adminKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expectProblem(await api.call('/v1/workflows', { token: extra.body.key }), 401);
    expectProblem(await api.call(`/v1/projects/${projectId}/keys/${extra.body.id}`, { method: 'DELETE', token: adminKey }), 404);
    expectProblem(await api.call(`/v1/projects/${projectId}/keys/${UNKNOWN_ID}`, { method: 'DELETE', token: adminKey }), 404);

    const listed = await api.call(`/v1/projects/${projectId}/keys`, { token: adminKey });
    expect(listed.body.items.find((k: { id: string }) => k.id === extra.body.id).revokedAt).toEqual(expect.any(String));
  });
});
