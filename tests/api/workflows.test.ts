import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createTestEnv, testS3Client, type TestEnv } from '@flow-like/testing/testEnv';
import { createProject, expectProblem, greeting, startApi, UNKNOWN_ID, type RunningApi } from './apiHarness.js';

const yamlDocument = `
name: yaml-flow
inputSchema:
  type: object
steps:
  - id: wait
    type: delay
    params:
      ms: 10
`;

describe('workflow routes', () => {
  let env: TestEnv;
  let api: RunningApi;
  let key: string;

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env);
    ({ key } = await createProject(api, 'flows'));
  });

  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('registers a JSON document, stores its immutable copy in S3, and adds a version on the same name', async () => {
    const first = await api.call('/v1/workflows', { token: key, body: greeting });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'greeting', version: 1, latestVersion: 1 });
    expect(first.headers.get('location')).toBe(`/v1/workflows/${first.body.id}`);

    const second = await api.call('/v1/workflows', { token: key, body: { ...greeting, output: 'steps.greet.output' } });
    expect(second.body).toMatchObject({ id: first.body.id, version: 2, latestVersion: 2 });

    const s3 = testS3Client(env.s3);
    const stored = await s3.send(new GetObjectCommand({ Bucket: env.s3.metadataBucket, Key: `workflows/${first.body.id}/versions/1.json` }));
    expect(JSON.parse(await stored.Body!.transformToString())).toMatchObject({ name: 'greeting' });
    s3.destroy();

    const latest = await api.call(`/v1/workflows/${first.body.id}`, { token: key });
    expect(latest.body).toMatchObject({ version: 2, document: { output: 'steps.greet.output' } });
    const old = await api.call(`/v1/workflows/${first.body.id}?version=1`, { token: key });
    expect(old.body).toMatchObject({ version: 1, document: { output: greeting.output } });
    const versions = await api.call(`/v1/workflows/${first.body.id}/versions`, { token: key });
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    expectProblem(await api.call(`/v1/workflows/${first.body.id}?version=3`, { token: key }), 404);
    expectProblem(await api.call(`/v1/workflows/${first.body.id}?version=zero`, { token: key }), 422);
  });

  it('registers a YAML document', async () => {
    const answer = await api.call('/v1/workflows', { token: key, body: yamlDocument, headers: { 'content-type': 'application/yaml' } });
    expect(answer.status, answer.text).toBe(201);
    const fetched = await api.call(`/v1/workflows/${answer.body.id}`, { token: key });
    expect(fetched.body.document).toMatchObject({ name: 'yaml-flow', steps: [{ id: 'wait', type: 'delay', params: { ms: 10 } }] });
  });

  it('names the JSON pointer of every registration issue in a 422 problem', async () => {
    const answer = await api.call('/v1/workflows', {
      token: key,
      body: { name: 'broken', steps: [{ id: 'a', type: 'transform', params: { expression: 'x' }, needs: ['missing'] }] },
    });
    expectProblem(answer, 422);
    expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^\/steps\/0/) })]));

    const typo = await api.call('/v1/workflows', { token: key, body: { ...greeting, stepz: [] } });
    expectProblem(typo, 422);
    expect(typo.body.errors.length).toBeGreaterThan(0);
  });

  it('refuses bodies that are not a workflow document', async () => {
    expectProblem(await api.call('/v1/workflows', { token: key, body: '{"name": "x",' }), 400, /JSON/);
    expectProblem(await api.call('/v1/workflows', { token: key, body: 'name: [unclosed', headers: { 'content-type': 'application/yaml' } }), 400, /YAML/);
    expectProblem(await api.call('/v1/workflows', { token: key, body: 'a: 1\na: 2', headers: { 'content-type': 'application/yaml' } }), 400);
    expectProblem(await api.call('/v1/workflows', { token: key, body: '[1,2]' }), 422);
    expectProblem(await api.call('/v1/workflows', { token: key, body: 'null' }), 422);
    expectProblem(await api.call('/v1/workflows', { token: key, body: 'name: x', headers: { 'content-type': 'text/plain' } }), 415);
    // each level refers to the one before nine times: a few hundred bytes that would expand to 9^9 nodes
    const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
    const bomb = levels.join('\n');
    expectProblem(await api.call('/v1/workflows', { token: key, body: bomb, headers: { 'content-type': 'application/yaml' } }), 400);
  });

  it('lists live workflows page by page', async () => {
    const { key: own } = await createProject(api, 'paging');
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) ids.push((await api.call('/v1/workflows', { token: own, body: { ...greeting, name: `flow-${n}` } })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await api.call(`/v1/workflows?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: own });
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((w) => w.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    expectProblem(await api.call('/v1/workflows?cursor=bogus', { token: own }), 422);
    expectProblem(await api.call('/v1/workflows?limit=0', { token: own }), 422);
    expectProblem(await api.call('/v1/workflows?limit=1000', { token: own }), 422);
  });

  it('a deleted workflow leaves listings and takes no submissions, but its executions stay readable', async () => {
    const { key: own } = await createProject(api, 'deleting');
    const id = (await api.call('/v1/workflows', { token: own, body: greeting })).body.id;
    const submitted = await api.call(`/v1/workflows/${id}/executions`, { token: own, body: { input: { name: 'x' } } });
    expect(submitted.status).toBe(202);

    expect((await api.call(`/v1/workflows/${id}`, { method: 'DELETE', token: own })).status).toBe(204);
    expectProblem(await api.call(`/v1/workflows/${id}`, { method: 'DELETE', token: own }), 404);
    expectProblem(await api.call(`/v1/workflows/${id}`, { token: own }), 404);
    expect((await api.call('/v1/workflows', { token: own })).body.items).toEqual([]);
    expectProblem(await api.call(`/v1/workflows/${id}/executions`, { token: own, body: { input: { name: 'x' } } }), 404);

    const execution = await api.call(`/v1/executions/${submitted.body.id}`, { token: own });
    expect(execution.body).toMatchObject({ status: 'queued', workflowId: id });

    const again = await api.call('/v1/workflows', { token: own, body: greeting });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
    expect(again.body.version).toBe(1);
  });

  it('answers unknown workflows with 404', async () => {
    expectProblem(await api.call(`/v1/workflows/${UNKNOWN_ID}`, { token: key }), 404);
    expectProblem(await api.call(`/v1/workflows/${UNKNOWN_ID}/versions`, { token: key }), 404);
    expectProblem(await api.call(`/v1/workflows/${UNKNOWN_ID}`, { method: 'DELETE', token: key }), 404);
  });
});
