import { describe, expect, it } from 'vitest';
import { HTTPException } from 'hono/http-exception';
import { parseWorkflowBody } from './workflowBody.js';

const statusOf = (run: () => unknown) => {
  try {
    run();
    return 'parsed';
  } catch (error) {
    return error instanceof HTTPException ? error.status : 'other';
  }
};

describe('workflow bodies', () => {
  it.each([
    ['application/json', '{"name":"a"}'],
    ['application/json; charset=utf-8', '{"name":"a"}'],
    ['application/vnd.flow-like+json', '{"name":"a"}'],
    ['application/yaml', 'name: a'],
    ['text/yaml', 'name: a'],
    ['application/x-yaml; charset=utf-8', 'name: a'],
  ])('reads %s', (type, text) => {
    expect(parseWorkflowBody(text, type)).toEqual({ name: 'a' });
  });

  it.each<[string | undefined, string, number]>([
    ['application/json', '{"name":', 400],
    ['application/yaml', 'name: [a', 400],
    ['application/yaml', 'a: 1\na: 2', 400],
    ['text/plain', 'name: a', 415],
    [undefined, '{}', 415],
  ])('refuses %s %j with %d', (type, text, status) => {
    expect(statusOf(() => parseWorkflowBody(text, type))).toBe(status);
  });
});
