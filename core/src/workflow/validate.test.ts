import { describe, expect, it } from 'vitest';
import { Invalid } from '../errors.js';
import { parseWorkflowDocument } from './validate.js';
import { validateWorkflowInput } from './input.js';

const base = {
  name: 'orders',
  inputSchema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
  steps: [
    { id: 'fetch', type: 'http', params: { url: 'https://example.com/orders/{{ input.id }}' } },
    { id: 'total', type: 'transform', needs: ['fetch'], params: { expression: '$sum(steps.fetch.output.body.items.price)' } },
  ],
  output: 'steps.total.output',
};

function withSteps(steps: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { ...base, output: undefined, steps, ...extra };
}

function issuesOf(raw: unknown): Array<{ path: string; message: string }> {
  try {
    parseWorkflowDocument(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(Invalid);
    return (error as Invalid).issues;
  }
  throw new Error('the document was accepted');
}

describe('parseWorkflowDocument', () => {
  it('accepts a well-formed document and fills defaults', () => {
    const document = parseWorkflowDocument(base);
    expect(document.concurrency).toBe(8);
    expect(document.steps[0]!.needs).toEqual([]);
    expect(document.steps[0]!.params['url']).toBe('https://example.com/orders/{{ input.id }}');
  });

  it.each([
    ['a missing name', { ...base, name: undefined }, '/name', /expected string/],
    ['no steps', withSteps([]), '/steps', /too small|>=1/i],
    ['an unknown step type', withSteps([{ id: 'a', type: 'shell', params: {} }]), '/steps/0/type', /unknown step type "shell"/],
    ['a missing id', withSteps([{ type: 'log', params: { message: 'x' } }]), '/steps/0/id', /expected string/],
    ['an id expressions cannot name', withSteps([{ id: 'my-step', type: 'log', params: { message: 'x' } }]), '/steps/0/id', /letter/],
    [
      'a duplicate id',
      withSteps([
        { id: 'a', type: 'log', params: { message: 'x' } },
        { id: 'a', type: 'log', params: { message: 'y' } },
      ]),
      '/steps/1/id',
      /duplicate step id "a" \(also \/steps\/0\)/,
    ],
    ['needs of an unknown step', withSteps([{ id: 'a', type: 'log', needs: ['ghost'], params: { message: 'x' } }]), '/steps/0/needs/0', /unknown step "ghost"/],
    ['a step needing itself', withSteps([{ id: 'a', type: 'log', needs: ['a'], params: { message: 'x' } }]), '/steps/0/needs/0', /itself/],
    [
      'a cycle',
      withSteps([
        { id: 'a', type: 'log', needs: ['c'], params: { message: 'x' } },
        { id: 'b', type: 'log', needs: ['a'], params: { message: 'x' } },
        { id: 'c', type: 'log', needs: ['b'], params: { message: 'x' } },
      ]),
      '/steps/0/needs',
      /cycle: a → c → b → a/,
    ],
    ['a bad expression', withSteps([{ id: 'a', type: 'transform', params: { expression: 'input.(' } }]), '/steps/0/params/expression', /invalid expression/],
    ['a bad template', withSteps([{ id: 'a', type: 'log', params: { message: 'hello {{ input.[ }}' } }]), '/steps/0/params/message', /invalid expression/],
    ['a bad condition', withSteps([{ id: 'a', type: 'log', if: '1 +', params: { message: 'x' } }]), '/steps/0/if', /invalid expression/],
    ['a bad workflow output', withSteps([{ id: 'a', type: 'log', params: { message: 'x' } }], { output: ')' }), '/output', /invalid expression/],
    ['a parameter of the wrong type', withSteps([{ id: 'a', type: 'delay', params: { ms: 'soon' } }]), '/steps/0/params/ms', /expected number/],
    ['an unknown parameter', withSteps([{ id: 'a', type: 'delay', params: { ms: 5, jitter: 1 } }]), '/steps/0/params', /jitter/],
    [
      'an http size cap past 64 MiB without saveAs',
      withSteps([{ id: 'a', type: 'http', params: { url: 'https://example.com/big', maxResponseBytes: 100 * 1024 * 1024 } }]),
      '/steps/0/params/maxResponseBytes',
      /saveAs/,
    ],
    ['a non-http url', withSteps([{ id: 'a', type: 'http', params: { url: 'file:///etc/passwd' } }]), '/steps/0/params/url', /http/],
    ['an artifact key escaping its prefix', withSteps([{ id: 'a', type: 'artifact.get', params: { key: 'x/../../other' } }]), '/steps/0/params/key', /\.\./],
    [
      'reading a step it does not need',
      withSteps([
        { id: 'a', type: 'log', params: { message: 'x' } },
        { id: 'b', type: 'transform', params: { expression: 'steps.a.output' } },
      ]),
      '/steps/1/params/expression',
      /reads steps\.a but does not need it/,
    ],
    [
      'a branch selecting an unknown step',
      withSteps([{ id: 'route', type: 'branch', params: { on: 'input.kind', cases: { x: ['nowhere'] } } }]),
      '/steps/0/params/cases/x/0',
      /unknown step "nowhere"/,
    ],
    [
      'a map whose template does not fit its type',
      withSteps([{ id: 'each', type: 'map', params: { items: 'input.list', step: { type: 'delay', params: { ms: -1 } } } }]),
      '/steps/0/params/step/params/ms',
      /too small|>=0/i,
    ],
    [
      'a map running a branch',
      withSteps([{ id: 'each', type: 'map', params: { items: 'input.list', step: { type: 'branch', params: {} } } }]),
      '/steps/0/params/step/type',
      /cannot run a branch/,
    ],
    ['an invalid input schema', { ...base, inputSchema: { type: 'banana' } }, '/inputSchema', /invalid JSON Schema/],
    ['more than 10 execution attempts', { ...base, retry: { attempts: 11 } }, '/retry/attempts', /too big|<=10/i],
    ['zero execution attempts', { ...base, retry: { attempts: 0 } }, '/retry/attempts', /too small|>=1/i],
    ['an execution retry without attempts', { ...base, retry: { backoff: { initialMs: 100 } } }, '/retry/attempts', /expected number/],
    ['a negative execution backoff', { ...base, retry: { attempts: 2, backoff: { initialMs: -1 } } }, '/retry/backoff/initialMs', /too small|>=0/i],
    ['an unknown execution retry setting', { ...base, retry: { attempts: 2, delay: 5 } }, '/retry', /delay/],
  ])('rejects %s with the path of the problem', (_what, raw, path, message) => {
    const issues = issuesOf(raw);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });

  it('fills the backoff of an execution retry policy that names only its attempts', () => {
    expect(parseWorkflowDocument({ ...base, retry: { attempts: 3 } }).retry).toEqual({ attempts: 3, backoff: { initialMs: 500, factor: 2, maxMs: 30_000 } });
    expect(parseWorkflowDocument(base).retry).toBeUndefined();
  });

  it('lets a template stand for a value of any type until run time', () => {
    const document = parseWorkflowDocument(withSteps([{ id: 'wait', type: 'delay', params: { ms: '{{ input.ms }}' } }]));
    expect(document.steps[0]!.params['ms']).toBe('{{ input.ms }}');
  });

  it('makes a branch an implicit dependency of the steps it selects', () => {
    const issues = issuesOf(
      withSteps([
        { id: 'route', type: 'branch', params: { on: 'input.kind', cases: { a: ['left'] } } },
        { id: 'left', type: 'transform', params: { expression: 'steps.route.output.value' } },
        { id: 'other', type: 'transform', params: { expression: 'steps.route.output.value' } },
      ]),
    );
    expect(issues.map((i) => i.path)).toEqual(['/steps/2/params/expression']);
  });
});

describe('validateWorkflowInput', () => {
  const document = parseWorkflowDocument(base);

  it('accepts an input that fits the schema', () => {
    expect(() => validateWorkflowInput(document, { id: 7 })).not.toThrow();
  });

  it('names the offending input field under /input', () => {
    expect(() => validateWorkflowInput(document, { id: 'seven' })).toThrow(expect.objectContaining({ issues: [{ path: '/input/id', message: 'must be integer' }] }));
  });

  it('requires an input', () => {
    expect(() => validateWorkflowInput(document, undefined)).toThrow(Invalid);
  });
});
