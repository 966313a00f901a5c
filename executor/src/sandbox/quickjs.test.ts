import { describe, expect, it } from 'vitest';
import { runInSandbox } from './quickjs.js';

// generous for code that ends; the loop test sets its own short limit
const limits = { timeoutMs: 5_000, memoryBytes: 16 * 1024 * 1024 };
const run = (source: string, scope: Record<string, unknown> = {}) => runInSandbox(source, scope, limits, new AbortController().signal);

describe('QuickJS sandbox', () => {
  it('computes with the data it is given and returns JSON', async () => {
    const source = 'return { total: input.items.reduce((s, i) => s + i.price, 0), first: steps.a.output };';
    expect(await run(source, { input: { items: [{ price: 2 }, { price: 3 }] }, steps: { a: { output: 'x' } } })).toEqual({ total: 5, first: 'x' });
  });

  it.each([
    ['process', 'return typeof process'],
    ['require', 'return typeof require'],
    ['fetch', 'return typeof fetch'],
    ['XMLHttpRequest', 'return typeof XMLHttpRequest'],
    ['setTimeout', 'return typeof setTimeout'],
    ['std/os modules', 'return typeof std + typeof os'],
  ])('has no %s', async (_name, source) => {
    expect(await run(source)).toMatch(/^(undefined)+$/);
  });

  it('refuses to touch the process even by name', async () => {
    await expect(run('return process.env.HOME')).rejects.toMatchObject({ reason: 'code', message: expect.stringMatching(/ReferenceError.*process/) });
    await expect(run('return require("fs").readFileSync("/etc/passwd", "utf8")')).rejects.toMatchObject({ reason: 'code' });
    await expect(run('return import("fs")')).rejects.toMatchObject({ reason: 'code', message: expect.stringMatching(/promises/) });
  });

  it('cannot reach the host through the constructor chain', async () => {
    expect(await run('return [(function () { return this })(), globalThis.constructor.constructor("return typeof process")()]')).toEqual([null, 'undefined']);
  });

  it('interrupts an infinite loop at its time limit', async () => {
    const looping = runInSandbox('while (true) {}', {}, { ...limits, timeoutMs: 300 }, new AbortController().signal);
    await expect(looping).rejects.toMatchObject({ reason: 'timeout', retryable: false, message: 'code ran longer than 300 ms' });
  });

  it.each([
    ['strings', 'const a = []; while (true) a.push("x".repeat(1 << 20) + a.length);'],
    ['arrays', 'const a = []; while (true) a.push(new Array(100000).fill(a.length));'],
    ['objects', 'const a = []; while (true) a.push({ n: a.length });'],
    ['typed arrays', 'return new Uint8Array(64 * 1024 * 1024).length;'],
  ])('stops a memory bomb of %s at its memory limit', async (_kind, source) => {
    await expect(runInSandbox(source, {}, { timeoutMs: 60_000, memoryBytes: 16 * 1024 * 1024 }, new AbortController().signal)).rejects.toMatchObject({
      reason: 'memory',
    });
  });

  it('stops runaway recursion', async () => {
    await expect(run('const f = (n) => f(n + 1) + 1; return f(0);')).rejects.toMatchObject({ reason: 'memory' });
  });

  it('reports a thrown error with its message', async () => {
    await expect(run('throw new TypeError("bad order")')).rejects.toMatchObject({ reason: 'code', message: 'TypeError: bad order' });
  });

  it('stops when its signal aborts', async () => {
    const abort = new AbortController();
    abort.abort(new Error('SIGTERM'));
    await expect(runInSandbox('while (true) {}', {}, { ...limits, timeoutMs: 10_000 }, abort.signal)).rejects.toMatchObject({ reason: 'cancelled' });
  });

  it('reads back what the code logged, also when it fails', async () => {
    const lines: unknown[] = [];
    const source = 'console.log("rows", input.rows.length); console.warn({ empty: 1 }); throw new Error("no good")';
    await expect(runInSandbox(source, { input: { rows: [1, 2] } }, limits, new AbortController().signal, (line) => lines.push(line))).rejects.toMatchObject({
      reason: 'code',
    });
    expect(lines).toEqual([
      { level: 'info', message: 'rows 2' },
      { level: 'warn', message: '{"empty":1}' },
    ]);
  });

  it('refuses a result that is not JSON data', async () => {
    await expect(run('return () => 1')).rejects.toMatchObject({ reason: 'code', message: expect.stringMatching(/JSON data/) });
  });

  it('keeps runs apart: a global set by one run is absent in the next', async () => {
    await run('globalThis.leak = 1; return null');
    expect(await run('return typeof leak')).toBe('undefined');
  });
});
