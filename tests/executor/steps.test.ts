import { createServer } from 'node:net';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKeys } from '@flow-like/core';
import { createDatabase, type DatabaseHandle } from '@flow-like/db';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { executionOf, inProcessExecutor, listKeys, prepareAttempt, readEvents, readText, stepRunsOf } from './attemptFixture.js';
import { json, startHttpTestServer } from './httpTestServer.js';

let env: TestEnv;
let database: DatabaseHandle;
let executor: ReturnType<typeof inProcessExecutor>;
let server: Awaited<ReturnType<typeof startHttpTestServer>>;
let flakyFailures = 0;

async function unusedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function run(steps: unknown[], input: unknown = {}, extra: Record<string, unknown> = {}) {
  const target = await prepareAttempt(database.db, { name: 'steps', steps, ...extra }, input);
  const outcome = await executor.run(target);
  const execution = await executionOf(database.db, target);
  const result = execution.resultKey ? (JSON.parse(await readText(executor.s3, env.s3.contentBucket, execution.resultKey)) as { output: any }) : undefined;
  return { outcome, execution, target, output: result?.output };
}

beforeAll(async () => {
  env = await createTestEnv();
  database = createDatabase(env.databaseUrl);
  executor = inProcessExecutor(env, database.db);
  server = await startHttpTestServer({
    '/order': (_req, res) => json(res, 200, { id: 7, items: [{ price: 2 }, { price: 5 }] }),
    '/echo': (req, res, body) => json(res, 201, { method: req.method, token: req.headers['x-token'], contentType: req.headers['content-type'], body: JSON.parse(body) }),
    '/flaky': (_req, res) => (flakyFailures-- > 0 ? json(res, 503, { busy: true }) : json(res, 200, { ok: true })),
    '/down': (_req, res) => json(res, 500, { error: 'always down' }),
    '/missing': (_req, res) => json(res, 404, { error: 'no such order' }),
    '/big': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 64; i++) res.write('x'.repeat(1024));
      res.end();
    },
    '/slow': () => {},
    '/download': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 256; i++) res.write(Buffer.alloc(32 * 1024, i % 256));
      res.end();
    },
  });
});

afterAll(async () => {
  await server?.close();
  executor?.close();
  await database?.close();
  await env?.cleanup();
});

describe('http step', () => {
  it('reads a JSON answer and sends a JSON body with headers', async () => {
    const { outcome, output } = await run(
      [
        { id: 'order', type: 'http', params: { url: `${server.url}/order` } },
        {
          id: 'post',
          type: 'http',
          needs: ['order'],
          params: { method: 'POST', url: `${server.url}/echo`, headers: { 'x-token': 'secret' }, body: { total: '{{ $sum(steps.order.output.body.items.price) }}' } },
        },
      ],
      {},
      { output: 'steps.post.output' },
    );
    expect(outcome).toBe('succeeded');
    expect(output).toMatchObject({ status: 201, body: { method: 'POST', token: 'secret', contentType: 'application/json', body: { total: 7 } } });
  });

  it('tries a 5xx answer again and succeeds when the server recovers', async () => {
    flakyFailures = 2;
    const before = server.hits('/flaky');
    const { outcome, output } = await run([{ id: 'call', type: 'http', params: { url: `${server.url}/flaky`, retries: 2, retryBackoffMs: 10 } }]);
    expect(outcome).toBe('succeeded');
    expect(output.call.body).toEqual({ ok: true });
    expect(server.hits('/flaky') - before).toBe(3);
  });

  it('fails with the status once its retries are spent on 5xx answers', async () => {
    const before = server.hits('/down');
    const { outcome, execution } = await run([{ id: 'call', type: 'http', params: { url: `${server.url}/down`, retries: 2, retryBackoffMs: 10 } }]);
    expect(outcome).toBe('failed');
    expect(execution.error).toMatchObject({ step: 'call', type: 'http', reason: 'http_status', message: expect.stringContaining('500') });
    expect(server.hits('/down') - before).toBe(3);
  });

  it('does not try a 4xx answer again', async () => {
    const before = server.hits('/missing');
    const { execution } = await run([{ id: 'call', type: 'http', params: { url: `${server.url}/missing`, retries: 3, retryBackoffMs: 10 } }]);
    expect(execution.error).toMatchObject({ step: 'call', reason: 'http_status', message: expect.stringContaining('404') });
    expect(server.hits('/missing') - before).toBe(1);
  });

  it('returns a 4xx answer as output when failOnStatus is false', async () => {
    const { outcome, output } = await run([{ id: 'call', type: 'http', params: { url: `${server.url}/missing`, failOnStatus: false } }]);
    expect(outcome).toBe('succeeded');
    expect(output.call).toMatchObject({ status: 404, body: { error: 'no such order' } });
  });

  it('fails on a network error after its retries', async () => {
    const port = await unusedPort();
    const { execution } = await run([{ id: 'call', type: 'http', params: { url: `http://127.0.0.1:${port}/x`, retries: 1, retryBackoffMs: 10 } }]);
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ step: 'call', type: 'http', reason: 'network', message: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses an answer larger than its size cap', async () => {
    const { execution } = await run([{ id: 'call', type: 'http', params: { url: `${server.url}/big`, maxResponseBytes: 16 * 1024 } }]);
    expect(execution.error).toMatchObject({ step: 'call', reason: 'response_too_large', message: expect.stringContaining('16384') });
  });

  it('gives up on a server that does not answer within its timeout', async () => {
    const { execution } = await run([{ id: 'call', type: 'http', params: { url: `${server.url}/slow`, timeoutMs: 200, retries: 0 } }]);
    expect(execution.error).toMatchObject({ step: 'call', reason: 'timeout', message: expect.stringContaining('200 ms') });
  });

  it('streams a download into an artifact with saveAs', async () => {
    const { outcome, output, target } = await run([{ id: 'get', type: 'http', params: { url: `${server.url}/download`, saveAs: 'raw/data.bin', maxResponseBytes: 16 * 1024 * 1024 } }]);
    expect(outcome).toBe('succeeded');
    expect(output.get.body).toEqual({ artifact: 'raw/data.bin', bytes: 8 * 1024 * 1024 });
    const keys = await listKeys(executor.s3, env.s3.contentBucket, contentKeys.prefix(target.executionId, 1) + 'artifacts/');
    expect(keys).toEqual([`${contentKeys.prefix(target.executionId, 1)}artifacts/raw/data.bin`]);
    const stored = await executor.s3.send(new GetObjectCommand({ Bucket: env.s3.contentBucket, Key: keys[0]! }));
    const bytes = Buffer.from(await stored.Body!.transformToByteArray());
    expect(bytes.length).toBe(8 * 1024 * 1024);
    expect([bytes[0], bytes[32 * 1024], bytes.at(-1)]).toEqual([0, 1, 255]);
  });
});

describe('transform, code, branch, map, delay, log, fail', () => {
  it('transform computes over input and step outputs; a failing expression fails the step', async () => {
    expect((await run([{ id: 't', type: 'transform', params: { expression: '$uppercase(input.name)' } }], { name: 'ada' })).output).toEqual({ t: 'ADA' });
    const { execution } = await run([{ id: 't', type: 'transform', params: { expression: '$number(input.name)' } }], { name: 'ada' });
    expect(execution.error).toMatchObject({ step: 't', type: 'transform', reason: 'expression' });
  });

  it('code runs in the sandbox and cannot reach the process', async () => {
    const ok = await run([{ id: 'c', type: 'code', params: { source: 'console.log("doubling", input.values.length); return input.values.map((v) => v * 2)' } }], { values: [1, 2] });
    expect(ok.output).toEqual({ c: [2, 4] });
    expect(await readEvents(executor.s3, env.s3.contentBucket, ok.target)).toContainEqual(expect.objectContaining({ type: 'log', step: 'c', level: 'info', message: 'doubling 2' }));
    const refused = await run([{ id: 'c', type: 'code', params: { source: 'return process.env' } }]);
    expect(refused.execution.error).toMatchObject({ step: 'c', type: 'code', reason: 'code', message: expect.stringMatching(/ReferenceError/) });
    const looping = await run([{ id: 'c', type: 'code', params: { source: 'for (;;) {}', timeoutMs: 100 } }]);
    expect(looping.execution.error).toMatchObject({ step: 'c', reason: 'timeout' });
  });

  it('branch runs the selected case and skips the rest', async () => {
    const steps = [
      { id: 'route', type: 'branch', params: { on: 'input.size > 10 ? "big" : "small"', cases: { big: ['bulk'], small: ['single'] } } },
      { id: 'bulk', type: 'transform', params: { expression: '"bulk"' } },
      { id: 'single', type: 'transform', params: { expression: '"single"' } },
    ];
    expect((await run(steps, { size: 50 }, { output: '[steps.bulk.status, steps.single.status]' })).output).toEqual(['succeeded', 'skipped']);
  });

  it('map keeps the order of items and fails with the index of a failing item', async () => {
    const ok = await run([{ id: 'm', type: 'map', params: { items: 'input.list', concurrency: 2, step: { type: 'transform', params: { expression: 'item * item' } } } }], { list: [3, 1, 2] });
    expect(ok.output).toEqual({ m: [9, 1, 4] });
    const failing = await run([{ id: 'm', type: 'map', params: { items: 'input.list', step: { type: 'code', params: { source: 'if (item === 2) throw new Error("bad item"); return item' } } } }], { list: [1, 2, 3] });
    expect(failing.execution.error).toMatchObject({ step: 'm', type: 'map', message: expect.stringMatching(/item 1: Error: bad item/) });
  });

  it('delay waits, and a step timeout stops it', async () => {
    expect((await run([{ id: 'd', type: 'delay', params: { ms: 20 } }])).output).toEqual({ d: { waitedMs: 20 } });
    const { execution } = await run([{ id: 'd', type: 'delay', timeoutSeconds: 0.1, params: { ms: 60_000 } }]);
    expect(execution.error).toEqual({ step: 'd', type: 'delay', reason: 'timeout', message: 'step timed out after 0.1s' });
  });

  it('log writes an event to the execution events', async () => {
    const { target } = await run([{ id: 'say', type: 'log', params: { level: 'warn', message: 'stock low for {{ input.sku }}', data: { left: 2 } } }], { sku: 'A-1' });
    const events = await readEvents(executor.s3, env.s3.contentBucket, target);
    expect(events).toContainEqual(expect.objectContaining({ type: 'log', step: 'say', level: 'warn', message: 'stock low for A-1', data: { left: 2 } }));
  });

  it('fail ends the execution with the author’s reason and message', async () => {
    const { execution } = await run([{ id: 'stop', type: 'fail', params: { message: 'order {{ input.id }} rejected', reason: 'rejected' } }], { id: 9 });
    expect(execution.status).toBe('failed');
    expect(execution.error).toEqual({ step: 'stop', type: 'fail', reason: 'rejected', message: 'order 9 rejected' });
  });
});

describe('the graph on real stores', () => {
  it('runs independent steps in parallel, never more than the document’s cap', async () => {
    const steps = Array.from({ length: 6 }, (_, i) => ({ id: `wait${i}`, type: 'delay', params: { ms: 150 } }));
    const { outcome, target } = await run(steps, {}, { concurrency: 2 });
    expect(outcome).toBe('succeeded');
    let running = 0;
    let most = 0;
    for (const event of await readEvents(executor.s3, env.s3.contentBucket, target)) {
      if (event.type === 'step.started') most = Math.max(most, ++running);
      if (event.type === 'step.succeeded') running -= 1;
    }
    expect(most).toBe(2);
  });

  it('applies a step’s retry policy with backoff and records the tries', async () => {
    flakyFailures = 2;
    const { outcome, target } = await run([
      { id: 'call', type: 'http', params: { url: `${server.url}/flaky`, retries: 0 }, retry: { attempts: 3, backoff: { initialMs: 20, factor: 3 } } },
    ]);
    expect(outcome).toBe('succeeded');
    const events = await readEvents(executor.s3, env.s3.contentBucket, target);
    expect(events.filter((e) => e.type === 'step.retried')).toMatchObject([
      { step: 'call', try: 1, delayMs: 20, reason: 'http_status' },
      { step: 'call', try: 2, delayMs: 60, reason: 'http_status' },
    ]);
    expect(await stepRunsOf(database.db, target)).toMatchObject([{ stepId: 'call', status: 'succeeded', tries: 3 }]);
  });
});

describe('artifact steps', () => {
  it('put then get an artifact under the attempt’s prefix', async () => {
    const { output, target } = await run(
      [
        { id: 'save', type: 'artifact.put', params: { key: 'reports/summary.json', body: { total: '{{ input.total }}' } } },
        { id: 'load', type: 'artifact.get', needs: ['save'], params: { key: 'reports/summary.json' } },
      ],
      { total: 12 },
      { output: '{ "saved": steps.save.output, "loaded": steps.load.output }' },
    );
    const objectKey = `${contentKeys.prefix(target.executionId, 1)}artifacts/reports/summary.json`;
    expect(output).toEqual({ saved: { key: 'reports/summary.json', objectKey, bytes: 12, contentType: 'application/json' }, loaded: { total: 12 } });
  });

  it('fails to get a missing artifact or one over its size cap', async () => {
    const missing = await run([{ id: 'load', type: 'artifact.get', params: { key: 'nothing/here.json' } }]);
    expect(missing.execution.error).toMatchObject({ step: 'load', reason: 'not_found' });
    const tooBig = await run([
      { id: 'save', type: 'artifact.put', params: { key: 'big.txt', body: '{{ $join([1..2000].$string(), ",") }}' } },
      { id: 'load', type: 'artifact.get', needs: ['save'], params: { key: 'big.txt', as: 'text', maxBytes: 100 } },
    ]);
    expect(tooBig.execution.error).toMatchObject({ step: 'load', reason: 'too_large' });
  });
});
