import { describe, expect, it } from 'vitest';
import { docsPage, operationsOf } from './docsPage.js';

const document = {
  openapi: '3.1.0',
  info: { title: 'Flow-Like API', version: '1', description: 'Submit executions.' },
  paths: {
    '/v1/workflows': {
      post: { summary: 'Register a workflow', responses: { '201': { description: 'registered' } } },
      get: { summary: 'List workflows', parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }] },
    },
    '/v1/executions/{id}': {
      get: { summary: 'Get an execution <b>now</b>', parameters: [{ name: 'id', in: 'path', required: true }] },
      parameters: [{ name: 'id', in: 'path' }],
    },
  },
  components: { schemas: { Problem: { type: 'object' } } },
};

describe('operations of an OpenAPI document', () => {
  it('lists every operation, paths in order and methods in a fixed order', () => {
    const { operations } = operationsOf(document);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(['get /v1/executions/{id}', 'get /v1/workflows', 'post /v1/workflows']);
  });

  it('refuses something that is not an OpenAPI document', () => {
    expect(() => operationsOf({ paths: {} })).toThrow();
  });
});

describe('the docs page', () => {
  it('shows each operation with its summary, parameters and responses', async () => {
    const page = String(await docsPage(document));
    expect(page).toContain('<title>Flow-Like API 1</title>');
    expect(page).toContain('<code>/v1/workflows</code>');
    expect(page).toContain('Register a workflow');
    expect(page).toContain('<code>limit</code>');
    expect(page).toContain('<code>201</code> registered');
    expect(page).toContain('<code>Problem</code>');
  });

  it('escapes text from the document and loads no script', async () => {
    const page = String(await docsPage(document));
    expect(page).toContain('Get an execution &lt;b&gt;now&lt;/b&gt;');
    expect(page).not.toMatch(/<script|src=/);
  });
});
