import { getQuickJS, type QuickJSWASMModule } from 'quickjs-emscripten';
import { StepError } from '../runtime/failure.js';

export interface SandboxLimits {
  timeoutMs: number;
  memoryBytes: number;
}

let module: Promise<QuickJSWASMModule> | undefined;

/**
 * Run untrusted JavaScript in QuickJS compiled to WebAssembly. The guest gets
 * its own heap (with a hard cap) and interpreter (interrupted at the
 * deadline); it has no host objects at all: no process, require, fetch,
 * timers, files or network, only the ECMAScript built-ins. Data crosses the
 * boundary as JSON text in both directions.
 *
 * `source` is the body of a function of the scope's names; its return value,
 * turned into JSON, is the result.
 */
export async function runInSandbox(source: string, scope: Record<string, unknown>, limits: SandboxLimits, signal: AbortSignal): Promise<unknown> {
  const quickjs = await (module ??= getQuickJS());
  const runtime = quickjs.newRuntime();
  const deadline = Date.now() + limits.timeoutMs;
  let interrupted: 'timeout' | 'cancelled' | undefined;
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(512 * 1024);
  runtime.setInterruptHandler(() => {
    if (signal.aborted) interrupted = 'cancelled';
    else if (Date.now() > deadline) interrupted = 'timeout';
    return interrupted !== undefined;
  });
  const context = runtime.newContext();
  try {
    const names = Object.keys(scope);
    const scopeText = context.newString(JSON.stringify(scope));
    context.setProp(context.global, '__scope', scopeText);
    scopeText.dispose();
    const program = [
      '"use strict";',
      '(() => {',
      '  const __values = JSON.parse(globalThis.__scope);',
      '  delete globalThis.__scope;',
      `  const __result = (function (${names.join(', ')}) {\n${source}\n})(${names.map((n) => `__values[${JSON.stringify(n)}]`).join(', ')});`,
      '  return JSON.stringify(__result === undefined ? null : __result);',
      '})()',
    ].join('\n');
    const result = context.evalCode(program, 'step.js');
    if (result.error) {
      const error = context.dump(result.error) as { name?: string; message?: string } | string;
      result.error.dispose();
      throw sandboxError(error, interrupted, limits);
    }
    const text = context.getString(result.value);
    result.value.dispose();
    return JSON.parse(text) as unknown;
  } finally {
    context.dispose();
    runtime.dispose();
  }
}

function sandboxError(error: { name?: string; message?: string } | string, interrupted: 'timeout' | 'cancelled' | undefined, limits: SandboxLimits): StepError {
  if (interrupted === 'timeout') return new StepError('timeout', `code ran longer than ${limits.timeoutMs} ms`, false);
  if (interrupted === 'cancelled') return new StepError('cancelled', 'code was cancelled', false);
  const message = typeof error === 'string' ? error : `${error.name ?? 'Error'}: ${error.message ?? ''}`;
  if (/out of memory/i.test(message)) return new StepError('memory', `code used more than ${limits.memoryBytes} bytes of memory`, false);
  if (/stack overflow/i.test(message)) return new StepError('memory', 'code overflowed its stack', false);
  return new StepError('code', message, false);
}
