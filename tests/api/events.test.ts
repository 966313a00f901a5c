import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { contentKeys } from '@flow-like/core';
import { createTestEnv, testS3Client, type TestEnv } from '@flow-like/testing/testEnv';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';
import { createProject, expectProblem, greeting, registerWorkflow, startApi, UNKNOWN_ID, type RunningApi } from './apiHarness.js';
import { openEvents, type SseEvent } from './sseClient.js';

const statusOf = (event: SseEvent) => (event.event === 'status' ? (JSON.parse(event.data) as { status: string }).status : undefined);

const slow = {
  name: 'slow',
  steps: [{ id: 'wait', type: 'delay', params: { ms: 3_000 } }],
};

describe('live events of a running execution', () => {
  let env: TestEnv;
  let system: RunningSystem;
  let key: string;

  beforeAll(async () => {
    env = await createTestEnv();
    system = await startSystem(env);
    ({ key } = await createProjectKey(system, 'live'));
  });

  afterAll(async () => {
    await system?.close();
    await env?.cleanup();
  });

  it('sees the status changes while the execution runs, and resumes after a reconnect without repeats', async () => {
    const workflowId = (await system.call('/v1/workflows', { token: key, body: slow })).body.id;
    const submitted = await system.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: {} } });
    const id: string = submitted.body.id;
    const url = `${system.apiUrl}/v1/executions/${id}/events`;

    const first = await openEvents(url, { authorization: `Bearer ${key}` });
    expect(first.status).toBe(200);
    const untilRunning = await first.collect((event) => statusOf(event) === 'running');
    expect(untilRunning.map(statusOf)).toEqual(['queued', 'dispatching', 'starting', 'running']);
    // the event arrived while the run was still going: live, not replayed afterwards
    expect((await system.call(`/v1/executions/${id}`, { token: key })).body.status).toBe('running');
    first.close();

    const lastId = untilRunning.at(-1)!.id!;
    const resumed = await openEvents(url, { authorization: `Bearer ${key}`, 'last-event-id': lastId });
    const rest = await resumed.collect((event) => event.event === 'end');
    const statuses = rest.map(statusOf).filter(Boolean);
    expect(statuses).toEqual(['succeeded']);
    expect(rest.at(-1)!.event).toBe('end');
    expect(rest.filter((e) => e.id).every((e) => e.id !== lastId)).toBe(true);
  });

  it('cancelling a running execution ends it cancelled for good, and its stream says so', async () => {
    const workflowId = (await system.call('/v1/workflows', { token: key, body: { ...slow, name: 'slow-cancel', steps: [{ id: 'wait', type: 'delay', params: { ms: 20_000 } }] } })).body.id;
    const id: string = (await system.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: {} } })).body.id;
    const stream = await openEvents(`${system.apiUrl}/v1/executions/${id}/events`, { authorization: `Bearer ${key}` });
    await stream.collect((event) => statusOf(event) === 'running');

    const cancelled = await system.call(`/v1/executions/${id}/cancel`, { method: 'POST', token: key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const rest = await stream.collect((event) => event.event === 'end');
    expect(rest.map(statusOf).filter(Boolean)).toEqual(['cancelled']);
    const again = await system.call(`/v1/executions/${id}/cancel`, { method: 'POST', token: key });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('cancelled');
    const history = (await system.call(`/v1/executions/${id}`, { token: key })).body.history as Array<{ to: string }>;
    expect(history.filter((h) => ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(h.to))).toEqual([expect.objectContaining({ to: 'cancelled' })]);
  });
});

describe('event replay from S3', () => {
  let env: TestEnv;
  let api: RunningApi;
  let s3: S3Client;
  let key: string;
  let workflowId: string;

  const putChunk = (id: string, seq: number, events: unknown[]) =>
    s3.send(
      new PutObjectCommand({
        Bucket: env.s3.contentBucket,
        Key: contentKeys.events(id, 1, seq),
        Body: events.map((e) => JSON.stringify(e)).join('\n') + '\n',
      }),
    );

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(env, { env: { EVENTS_POLL_INTERVAL_MS: '100' } });
    s3 = testS3Client(env.s3);
    ({ key } = await createProject(api, 'replay'));
    workflowId = await registerWorkflow(api, key, greeting);
  });

  afterAll(async () => {
    await api?.close();
    s3?.destroy();
    await env?.cleanup();
  });

  it('replays stored NDJSON chunks in order, resumes in the middle of a chunk, follows new chunks, and ends after the final status', async () => {
    const id: string = (await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'e' } } })).body.id;
    await putChunk(id, 0, [
      { type: 'execution.started', workflow: 'greeting' },
      { type: 'step.started', step: 'greet', stepType: 'transform', try: 1 },
      { type: 'log', level: 'info', message: 'one' },
    ]);
    await putChunk(id, 1, [
      { type: 'log', level: 'info', message: 'two' },
      { type: 'log', level: 'info', message: 'three' },
    ]);
    const url = `${api.url}/v1/executions/${id}/events`;
    const auth = { authorization: `Bearer ${key}` };

    const first = await openEvents(url, auth);
    const replayed = await first.collect((e) => e.event === 'log' && JSON.parse(e.data).message === 'three');
    expect(replayed.map((e) => e.event)).toEqual(['status', 'execution.started', 'step.started', 'log', 'log', 'log']);
    first.close();

    const afterOne = replayed.find((e) => e.event === 'log')!.id!;
    const resumed = await openEvents(url, { ...auth, 'last-event-id': afterOne });
    const two = await resumed.collect((e) => e.event === 'log' && JSON.parse(e.data).message === 'three');
    expect(two.map((e) => JSON.parse(e.data).message)).toEqual(['two', 'three']);

    await putChunk(id, 2, [{ type: 'log', level: 'info', message: 'four' }]);
    const four = await resumed.next();
    expect(JSON.parse(four!.data)).toMatchObject({ message: 'four' });

    await api.call(`/v1/executions/${id}/cancel`, { method: 'POST', token: key });
    const ending = await resumed.collect((e) => e.event === 'end');
    expect(ending.map((e) => e.event)).toEqual(['status', 'end']);
    expect(statusOf(ending[0]!)).toBe('cancelled');
    expect(await resumed.next()).toBeUndefined();

    const whole = await openEvents(url, auth);
    const all = await whole.collect((e) => e.event === 'end');
    // a replay sends the stored status changes first, then the run events, each source in its own order
    expect(all.map((e) => e.event)).toEqual(['status', 'status', 'execution.started', 'step.started', 'log', 'log', 'log', 'log', 'end']);
  });

  it('refuses an unknown Last-Event-ID, a missing execution and a key without read scope', async () => {
    const id: string = (await api.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'e' } } })).body.id;
    expectProblem(await api.call(`/v1/executions/${id}/events`, { token: key, headers: { 'last-event-id': 'garbage' } }), 422);
    expectProblem(await api.call(`/v1/executions/${UNKNOWN_ID}/events`, { token: key }), 404);
    const projectId = (await api.call('/v1/executions?limit=1', { token: key })).body.items[0].projectId;
    const submitter = (await api.call(`/v1/projects/${projectId}/keys`, { token: key, body: { name: 's', scopes: ['submit'] } })).body.key;
    expectProblem(await api.call(`/v1/executions/${id}/events`, { token: submitter }), 403);
  });

  it('closing the api ends open streams cleanly and does not wait for them', async () => {
    const own = await startApi(env);
    const id: string = (await own.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input: { name: 'e' } } })).body.id;
    const stream = await openEvents(`${own.url}/v1/executions/${id}/events`, { authorization: `Bearer ${key}` });
    expect(statusOf((await stream.next())!)).toBe('queued');
    await own.close();
    expect(await stream.next()).toBeUndefined();
  });
});
