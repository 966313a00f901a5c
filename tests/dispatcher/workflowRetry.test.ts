import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];
const FAST_RETRY = { initialMs: 100, factor: 2, maxMs: 400 };

/** Answers 500 to the first call of each path and 200 after that, counting the calls. */
function flakyServer(): { server: Server; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const server = createServer((request, response) => {
    const seen = (calls.get(request.url!) ?? 0) + 1;
    calls.set(request.url!, seen);
    response.writeHead(seen === 1 ? 500 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ call: seen }));
  });
  return { server, calls };
}

describe('a workflow that asks for its own failures to be retried', () => {
  let env: TestEnv;
  let system: RunningSystem;
  let pool: pg.Pool;
  let key: string;
  let flaky: ReturnType<typeof flakyServer>;
  let baseUrl: string;

  beforeAll(async () => {
    env = await createTestEnv();
    pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
    flaky = flakyServer();
    await new Promise<void>((resolve) => flaky.server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(flaky.server.address() as AddressInfo).port}`;
    system = await startSystem(env, { dispatcherEnv: { ADMISSION_INTERVAL_MS: '200' } });
    ({ key } = await createProjectKey(system, 'workflow-retry'));
  });

  afterAll(async () => {
    await system?.close();
    await pool?.end();
    await new Promise((resolve) => flaky?.server.close(resolve));
    await env?.cleanup();
  });

  const run = async (document: Record<string, unknown>) => {
    const registered = await system.call('/v1/workflows', { token: key, body: document });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const submitted = await system.call(`/v1/workflows/${registered.body.id}/executions`, { token: key, body: { input: {} } });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const id: string = submitted.body.id;
    const finished = await waitFor(
      async () => {
        const { body } = await system.call(`/v1/executions/${id}`, { token: key });
        return TERMINAL.includes(body.status) ? body : undefined;
      },
      { timeoutMs: 60_000, message: `execution ${id} to end` },
    );
    const transitions = await pool.query<{ to_status: string; reason: string | null; attempt: number }>(
      'SELECT to_status, reason, attempt FROM execution_transitions WHERE execution_id = $1 ORDER BY id',
      [id],
    );
    const row = await pool.query<{ attempt: number; max_attempts: number }>('SELECT attempt, max_attempts FROM executions WHERE id = $1', [id]);
    return { id, finished, transitions: transitions.rows, row: row.rows[0]! };
  };

  const callStep = (path: string) => ({ id: 'call', type: 'http', params: { url: baseUrl + path, retries: 0 } });

  it('fails attempt 1, goes back to the queue and succeeds as attempt 2', async () => {
    const { finished, transitions, row } = await run({ name: 'flaky', retry: { attempts: 3, backoff: FAST_RETRY }, steps: [callStep('/once')], output: 'steps.call.output.body' });

    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');
    expect(row).toEqual({ attempt: 2, max_attempts: 3 });
    expect(flaky.calls.get('/once')).toBe(2);
    expect(transitions.map((t) => `${t.to_status}@${t.attempt}`)).toEqual([
      'queued@1',
      'dispatching@1',
      'starting@1',
      'running@1',
      'queued@2',
      'dispatching@2',
      'starting@2',
      'running@2',
      'succeeded@2',
    ]);
    expect(transitions[4]!.reason).toBe('http_status');
    const result = await system.call(`/v1/executions/${finished.id}/result`, { token: key });
    expect(result.body).toEqual({ output: { call: 2 } });
  });

  it('ends failed after exactly the number of attempts the workflow asked for', async () => {
    const { finished, transitions, row } = await run({
      name: 'always-failing',
      retry: { attempts: 3, backoff: FAST_RETRY },
      steps: [{ id: 'boom', type: 'fail', params: { message: 'no luck' } }],
    });

    expect(finished.status).toBe('failed');
    expect(finished.error).toMatchObject({ step: 'boom', message: expect.stringContaining('no luck') });
    expect(row).toEqual({ attempt: 3, max_attempts: 3 });
    expect(transitions.filter((t) => t.to_status === 'running').map((t) => t.attempt)).toEqual([1, 2, 3]);
    expect(transitions.filter((t) => t.to_status === 'failed').map((t) => t.attempt)).toEqual([3]);
  });

  it('gives a rerun the attempts of the version it reruns', async () => {
    const { id } = await run({ name: 'rerun-failing', retry: { attempts: 2, backoff: FAST_RETRY }, steps: [{ id: 'boom', type: 'fail', params: { message: 'no luck' } }] });
    const rerun = await system.call(`/v1/executions/${id}/rerun`, { token: key, method: 'POST' });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(202);
    const row = await pool.query<{ max_attempts: number }>('SELECT max_attempts FROM executions WHERE id = $1', [rerun.body.id]);
    expect(row.rows[0]!.max_attempts).toBe(2);
    await system.call(`/v1/executions/${rerun.body.id}/cancel`, { token: key, method: 'POST' });
  });

  it('never retries the failure of a workflow that did not ask', async () => {
    const { finished, transitions, row } = await run({ name: 'no-retry', steps: [callStep('/unasked')] });

    expect(finished.status).toBe('failed');
    expect(row).toEqual({ attempt: 1, max_attempts: 1 });
    expect(flaky.calls.get('/unasked')).toBe(1);
    expect(transitions.map((t) => t.to_status)).toEqual(['queued', 'dispatching', 'starting', 'running', 'failed']);
  });
});
