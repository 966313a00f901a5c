import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseWorkflowDocument } from '@flow-like/core';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, REPO_ROOT, startSystem, type RunningSystem } from '../support/system.js';
import { json, startHttpTestServer } from './httpTestServer.js';

const EXAMPLES = join(REPO_ROOT, 'examples');

let env: TestEnv;
let system: RunningSystem;
let key: string;
let shop: Awaited<ReturnType<typeof startHttpTestServer>>;
const shipments: unknown[] = [];

const orders: Record<string, unknown> = {
  '/orders/1': { id: 1, address: { city: 'Lyon' }, items: [{ price: 12.5, quantity: 2 }, { price: 5, quantity: 1 }] },
  '/orders/2': { id: 2, address: { city: 'Oslo' }, items: [{ price: 180, quantity: 1 }] },
};

beforeAll(async () => {
  env = await createTestEnv();
  system = await startSystem(env);
  ({ key } = await createProjectKey(system, 'examples'));
  let shipmentTries = 0;
  shop = await startHttpTestServer({
    ...Object.fromEntries(Object.entries(orders).map(([path, order]) => [path, (_req, res) => json(res, 200, order)] as const)),
    // the carrier fails once before it books, as real ones do
    '/shipments': (_req, res, body) => {
      if (shipmentTries++ === 0) return json(res, 503, { error: 'try again' });
      shipments.push(JSON.parse(body));
      return json(res, 201, { trackingId: `T-${shipments.length}` });
    },
    ...Object.fromEntries(
      [1, 2, 3, 4, 5].map((id) => [
        `/users/${id}`,
        (_req, res) => json(res, 200, { id, name: `User ${id}`, email: `USER${id}@Example.com`, active: id % 2 === 1 }),
      ]),
    ),
  });
});

afterAll(async () => {
  await shop?.close();
  await system?.close();
  await env?.cleanup();
});

async function register(file: string): Promise<string> {
  const text = await readFile(join(EXAMPLES, file), 'utf8');
  const contentType = file.endsWith('.yaml') ? 'application/yaml' : 'application/json';
  const { status, body } = await system.call('/v1/workflows', { token: key, body: text, headers: { 'content-type': contentType } });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id;
}

async function execute(workflowId: string, input: unknown): Promise<{ status: string; output?: any; error?: unknown }> {
  const submitted = await system.call(`/v1/workflows/${workflowId}/executions`, { token: key, body: { input } });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const id: string = submitted.body.id;
  const finished = await waitFor(
    async () => {
      const { body } = await system.call(`/v1/executions/${id}`, { token: key });
      return ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(body.status) ? body : undefined;
    },
    { timeoutMs: 45_000, message: `execution ${id} of ${workflowId} finishing` },
  );
  if (finished.status !== 'succeeded') return { status: finished.status, error: finished.error };
  const result = await system.call(`/v1/executions/${id}/result`, { token: key });
  return { status: finished.status, output: result.body.output };
}

describe('the example workflows', () => {
  it('are all valid documents', async () => {
    const files = (await readdir(EXAMPLES)).filter((f) => /\.(json|ya?ml)$/.test(f));
    expect(files).toContain('hello-world.json');
    for (const file of files) {
      const text = await readFile(join(EXAMPLES, file), 'utf8');
      expect(() => parseWorkflowDocument(file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)), file).not.toThrow();
    }
  });

  it('hello-world greets', async () => {
    const result = await execute(await register('hello-world.json'), { name: 'world' });
    expect(result).toEqual({ status: 'succeeded', output: { message: 'Hello, world!' } });
  });

  it('order-fulfilment ships a small order and holds a large one for review', async () => {
    const workflowId = await register('order-fulfilment.json');
    const small = await execute(workflowId, { apiUrl: shop.url, orderId: 1 });
    expect(small, JSON.stringify(small.error)).toMatchObject({ status: 'succeeded', output: { orderId: 1, total: 36, decision: 'ship', shipment: { trackingId: 'T-1' } } });
    expect(shipments).toEqual([{ orderId: 1, address: { city: 'Lyon' }, value: 36 }]);

    const large = await execute(workflowId, { apiUrl: shop.url, orderId: 2 });
    expect(large, JSON.stringify(large.error)).toMatchObject({ status: 'succeeded', output: { orderId: 2, total: 216, decision: 'review', reviewFile: 'review/order-2.json' } });
    expect(large.output.shipment).toBeNull();
    expect(shipments).toHaveLength(1);
  });

  it('order-fulfilment fails naming the step when the order does not exist', async () => {
    const result = await execute(await register('order-fulfilment.json'), { apiUrl: shop.url, orderId: 99 });
    expect(result).toMatchObject({ status: 'failed', error: { step: 'order', type: 'http', reason: 'http_status' } });
  });

  it('sales-report (YAML) totals every region and stores the report', async () => {
    const csv = ['region,product,amount', 'north,tea,10', 'south,tea,4', 'north,coffee,7.5', 'east,cake,3', 'south,coffee,6'].join('\n');
    const result = await execute(await register('sales-report.yaml'), { csv });
    expect(result, JSON.stringify(result.error)).toMatchObject({
      status: 'succeeded',
      output: {
        report: {
          regions: [
            { region: 'north', total: 17.5 },
            { region: 'south', total: 10 },
            { region: 'east', total: 3 },
          ],
          grandTotal: 30.5,
        },
        stored: expect.stringMatching(/^executions\/[0-9a-f-]+\/1\/artifacts\/reports\/sales\.json$/),
      },
    });
  });

  it('user-enrichment looks up every user and keeps the list order', async () => {
    const result = await execute(await register('user-enrichment.json'), { apiUrl: shop.url, userIds: [5, 2, 3, 1, 4] });
    expect(result, JSON.stringify(result.error)).toEqual({
      status: 'succeeded',
      output: {
        summary: { 'looked up': 5, active: 3 },
        active: [
          { id: 5, name: 'User 5', email: 'user5@example.com' },
          { id: 3, name: 'User 3', email: 'user3@example.com' },
          { id: 1, name: 'User 1', email: 'user1@example.com' },
        ],
      },
    });
  });
});
