import { describe, expect, it } from 'vitest';
import type { RunEvent } from './events.js';
import { WorkflowFailure } from './failure.js';
import { documentOf, memoryContext } from './memoryStores.test-support.js';
import { runWorkflow } from './runWorkflow.js';

function maxParallel(events: RunEvent[]): number {
  let now = 0;
  let max = 0;
  for (const event of events) {
    if (event.type === 'step.started') max = Math.max(max, ++now);
    if (event.type === 'step.succeeded' || event.type === 'step.failed') now -= 1;
  }
  return max;
}

async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailure);
  return error as WorkflowFailure;
}

describe('runWorkflow', () => {
  it('passes outputs along needs and evaluates the workflow output', async () => {
    const { context } = memoryContext();
    const document = documentOf(
      [
        { id: 'double', type: 'transform', params: { expression: 'input.n * 2' } },
        { id: 'greet', type: 'log', needs: ['double'], params: { message: 'n*2 = {{ steps.double.output }}' } },
        { id: 'sum', type: 'transform', needs: ['double'], params: { expression: 'steps.double.output + 1' }, output: '{ "value": result }' },
      ],
      { output: '{ "sum": steps.sum.output.value, "said": steps.greet.output.message }' },
    );
    expect(await runWorkflow(document, { n: 20 }, context)).toEqual({ sum: 41, said: 'n*2 = 40' });
  });

  it('runs independent steps in parallel but never more than the cap', async () => {
    const { context, events } = memoryContext();
    const steps = Array.from({ length: 6 }, (_, i) => ({ id: `wait${i}`, type: 'delay', params: { ms: 80 } }));
    await runWorkflow(documentOf(steps, { concurrency: 2 }), {}, context);
    expect(maxParallel(events)).toBe(2);
  });

  it('starts a step as soon as the steps it needs are done', async () => {
    const { context, events } = memoryContext();
    const document = documentOf([
      { id: 'slow', type: 'delay', params: { ms: 300 } },
      { id: 'fast', type: 'delay', params: { ms: 10 } },
      { id: 'afterFast', type: 'log', needs: ['fast'], params: { message: 'go' } },
    ]);
    await runWorkflow(document, {}, context);
    const order = events.filter((e) => e.type === 'step.succeeded').map((e) => (e as { step: string }).step);
    expect(order).toEqual(['fast', 'afterFast', 'slow']);
  });

  it('maps over items with a concurrency cap and keeps the items order', async () => {
    const { context } = memoryContext();
    const document = documentOf(
      [
        {
          id: 'each',
          type: 'map',
          params: {
            items: 'input.list',
            concurrency: 3,
            step: { type: 'delay', params: { ms: '{{ (6 - index) * 15 }}' }, output: 'item * 10' },
          },
        },
      ],
      { output: 'steps.each.output' },
    );
    expect(await runWorkflow(document, { list: [1, 2, 3, 4, 5, 6] }, context)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('retries a failing step with backoff and reports every retry', async () => {
    let calls = 0;
    const fetch = async () => (++calls < 3 ? new Response('busy', { status: 503 }) : Response.json({ ok: true }));
    const { context, events, changes } = memoryContext({ fetch: fetch as typeof globalThis.fetch });
    const document = documentOf([
      { id: 'call', type: 'http', params: { url: 'https://api.test/x', retries: 0 }, retry: { attempts: 3, backoff: { initialMs: 5 } } },
    ]);
    expect(await runWorkflow(document, {}, context)).toEqual({ call: expect.objectContaining({ status: 200, body: { ok: true } }) });
    expect(events.filter((e) => e.type === 'step.retried')).toMatchObject([
      { step: 'call', try: 1, delayMs: 5, reason: 'http_status' },
      { step: 'call', try: 2, delayMs: 10, reason: 'http_status' },
    ]);
    expect(changes.at(-1)).toMatchObject({ stepId: 'call', status: 'succeeded', tries: 3 });
  });

  it('fails a step that outlives its timeout, naming the step', async () => {
    const { context, changes } = memoryContext();
    const document = documentOf([{ id: 'nap', type: 'delay', timeoutSeconds: 0.05, params: { ms: 60_000 } }]);
    const failure = await failureOf(runWorkflow(document, {}, context));
    expect(failure.toExecutionError()).toEqual({ step: 'nap', type: 'delay', reason: 'timeout', message: 'step timed out after 0.05s' });
    expect(changes.at(-1)).toMatchObject({ stepId: 'nap', status: 'failed', error: { reason: 'timeout' } });
  });

  it('stops everything when one step fails for good', async () => {
    const { context, events } = memoryContext();
    const document = documentOf([
      { id: 'long', type: 'delay', params: { ms: 60_000 } },
      { id: 'boom', type: 'fail', params: { message: 'order rejected', reason: 'rejected' } },
      { id: 'later', type: 'log', needs: ['long'], params: { message: 'never' } },
    ]);
    const failure = await failureOf(runWorkflow(document, {}, context));
    expect(failure.toExecutionError()).toEqual({ step: 'boom', type: 'fail', reason: 'rejected', message: 'order rejected' });
    expect(events.some((e) => e.type === 'step.started' && e.step === 'later')).toBe(false);
    expect(events.filter((e) => e.type === 'step.retried')).toEqual([]);
  });

  it('runs only the selected branch and skips what depends on the others', async () => {
    const { context, changes } = memoryContext();
    const document = documentOf(
      [
        { id: 'route', type: 'branch', params: { on: 'input.kind', cases: { csv: ['parseCsv'], pdf: ['parsePdf'] }, default: ['reject'] } },
        { id: 'parseCsv', type: 'transform', params: { expression: '"csv:" & input.name' } },
        { id: 'parsePdf', type: 'transform', params: { expression: '"pdf:" & input.name' } },
        { id: 'reject', type: 'fail', params: { message: 'unknown kind' } },
        { id: 'afterPdf', type: 'log', needs: ['parsePdf'], params: { message: 'pdf done' } },
        {
          id: 'join',
          type: 'transform',
          needs: ['parseCsv', 'parsePdf'],
          if: 'true',
          params: { expression: 'steps.parseCsv.output ? steps.parseCsv.output : steps.parsePdf.output' },
        },
      ],
      { output: 'steps.join.output' },
    );
    expect(await runWorkflow(document, { kind: 'csv', name: 'a.csv' }, context)).toBe('csv:a.csv');
    const skipped = changes.filter((c) => c.status === 'skipped').map((c) => c.stepId).sort();
    expect(skipped).toEqual(['afterPdf', 'parsePdf', 'reject']);
    await expect(runWorkflow(document, { kind: 'doc', name: 'a.doc' }, memoryContext().context)).rejects.toThrow('unknown kind');
  });

  it('skips a step whose condition is false', async () => {
    const { context, events } = memoryContext();
    const document = documentOf([{ id: 'maybe', type: 'log', if: 'input.verbose', params: { message: 'hi' } }], { output: 'steps.maybe.status' });
    expect(await runWorkflow(document, { verbose: false }, context)).toBe('skipped');
    expect(events).toContainEqual({ type: 'step.skipped', step: 'maybe', why: 'condition is false: input.verbose' });
  });

  it('stores a large output as an object and still gives it to the steps that read it', async () => {
    const { context, changes, objects } = memoryContext({ limits: { inlineOutputBytes: 1024 } });
    const document = documentOf(
      [
        { id: 'big', type: 'transform', params: { expression: '$join([1..5000].$string(), ",")' } },
        { id: 'size', type: 'transform', needs: ['big'], params: { expression: '$length(steps.big.output)' } },
      ],
      { output: '{ "size": steps.size.output }' },
    );
    const output = await runWorkflow(document, {}, context);
    const big = changes.find((c) => c.stepId === 'big' && c.status === 'succeeded');
    expect(big).toMatchObject({ outputKey: 'outputs/big.json' });
    expect(big!.output).toBeUndefined();
    expect(objects.get('outputs/big.json')!.length).toBeGreaterThan(1024);
    expect(output).toEqual({ size: objects.get('outputs/big.json')!.length - 2 });
  });

  it('stops and reports cancellation when its signal aborts', async () => {
    const abort = new AbortController();
    const { context, changes } = memoryContext({ signal: abort.signal });
    const document = documentOf([{ id: 'long', type: 'delay', params: { ms: 60_000 } }]);
    setTimeout(() => abort.abort(new Error('SIGTERM')), 50);
    const failure = await failureOf(runWorkflow(document, {}, context));
    expect(failure.reason).toBe('cancelled');
    expect(changes.at(-1)).toMatchObject({ stepId: 'long', status: 'cancelled' });
  });

  it('fails a step whose resolved parameters do not fit, without retrying', async () => {
    const { context } = memoryContext();
    const document = documentOf([{ id: 'wait', type: 'delay', retry: { attempts: 3 }, params: { ms: '{{ input.ms }}' } }]);
    const failure = await failureOf(runWorkflow(document, { ms: 'soon' }, context));
    expect(failure).toMatchObject({ step: 'wait', reason: 'invalid_params' });
  });
});
