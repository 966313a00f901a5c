import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type QuickJSContext } from 'quickjs-emscripten';
import { StepError } from '../runtime/failure.js';

export interface SandboxLimits {
  timeoutMs: number;
  memoryBytes: number;
}

/**
 * QuickJS checks its own stack against this; above about 200 KiB the host's
 * stack runs out first, and the guest would take the host error instead of
 * its own clean "stack overflow".
 */
const GUEST_STACK_BYTES = 128 * 1024;

/** @types/node 20 does not describe the WebAssembly global; this is the one constructor used here. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory };

const WASM_PAGE_BYTES = 64 * 1024;
/** what the interpreter itself needs beside the guest's heap: its static data, stack and allocator slack */
const INTERPRETER_BYTES = 32 * 1024 * 1024;

/**
 * QuickJS's own allocation limit misses some allocations (large arrays,
 * strings built by repeat/concat), so the WebAssembly memory also gets a hard
 * maximum: past it every allocation fails inside the guest, whatever made it.
 */
function boundedMemory(memoryBytes: number): WasmMemory {
  const maximum = Math.ceil((memoryBytes + INTERPRETER_BYTES) / WASM_PAGE_BYTES);
  return new WebAssembly.Memory({ initial: Math.min(256, maximum), maximum });
}

/**
 * Run untrusted JavaScript in QuickJS compiled to WebAssembly. The guest gets
 * its own heap (with a hard cap) and interpreter (interrupted at the
 * deadline); it has no host objects at all: no process, require, fetch,
 * timers, files or network, only the ECMAScript built-ins. Data crosses the
 * boundary as JSON text in both directions.
 *
 * Each run gets a fresh WebAssembly module and memory (about 15 ms): a run
 * that ends in the middle of an allocation cannot leave a broken interpreter
 * behind for the next one, and the memory a run grew is given back with it.
 *
 * `source` is the body of a function of the scope's names; its return value,
 * turned into JSON, is the result.
 */
export async function runInSandbox(
  source: string,
  scope: Record<string, unknown>,
  limits: SandboxLimits,
  signal: AbortSignal,
  onLog: (line: SandboxLogLine) => void = () => {},
): Promise<unknown> {
  if (signal.aborted) throw cancelled();
  const quickjs = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory: boundedMemory(limits.memoryBytes) }));
  const runtime = quickjs.newRuntime();
  const deadline = Date.now() + limits.timeoutMs;
  let interrupted: 'timeout' | 'cancelled' | undefined;
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(GUEST_STACK_BYTES);
  runtime.setInterruptHandler(() => {
    if (signal.aborted) interrupted = 'cancelled';
    else if (Date.now() > deadline) interrupted = 'timeout';
    return interrupted !== undefined;
  });
  const context = runtime.newContext();
  let failed = false;
  try {
    evaluateOrThrow(context, CONSOLE_PRELUDE);
    return evaluateProgram(context, source, scope);
  } catch (error) {
    failed = true;
    throw sandboxError(error, interrupted, limits);
  } finally {
    runtime.removeInterruptHandler();
    // what the code logged is worth most when it failed, so it is read back either way
    if (interrupted === undefined) takeLogs(context).forEach(onLog);
    try {
      context.dispose();
      runtime.dispose();
    } catch (disposeError) {
      // after a failed run QuickJS may refuse to free a half-built object graph; the module is dropped anyway
      if (!failed) throw disposeError;
    }
  }
}

function evaluateProgram(context: QuickJSContext, source: string, scope: Record<string, unknown>): unknown {
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
    '  if (__result instanceof Promise) throw new TypeError("code must return a value; promises and async code are not supported");',
    '  const __json = JSON.stringify(__result === undefined ? null : __result);',
    '  if (__json === undefined) throw new TypeError("code must return JSON data, not " + typeof __result);',
    '  return __json;',
    '})()',
  ].join('\n');
  return JSON.parse(evaluateOrThrow(context, program)) as unknown;
}

/** Evaluate code whose value is a string, or throw the guest's error. */
function evaluateOrThrow(context: QuickJSContext, code: string): string {
  const result = context.evalCode(code, 'step.js');
  if (result.error) {
    const error = context.dump(result.error) as { name?: string; message?: string } | string;
    result.error.dispose();
    throw new GuestError(typeof error === 'string' ? error : `${error.name ?? 'Error'}: ${error.message ?? ''}`);
  }
  const text = context.typeof(result.value) === 'string' ? context.getString(result.value) : '';
  result.value.dispose();
  return text;
}

function takeLogs(context: QuickJSContext): SandboxLogLine[] {
  try {
    return JSON.parse(evaluateOrThrow(context, 'globalThis.__logs()')) as SandboxLogLine[];
  } catch {
    // a heap that ran out of memory may not even build the list; the step's error says why
    return [];
  }
}

export interface SandboxLogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

const MAX_LOG_LINES = 200;
const MAX_LOG_LINE_CHARS = 10_000;

/** `console` for the guest: lines are kept inside the guest (bounded) and read back once the code has ended. */
const CONSOLE_PRELUDE = `"use strict";
(() => {
  const lines = [];
  const text = (value) => {
    if (typeof value === "string") return value;
    try {
      const json = JSON.stringify(value);
      return json === undefined ? String(value) : json;
    } catch {
      return String(value);
    }
  };
  const say = (level) => (...values) => {
    if (lines.length < ${MAX_LOG_LINES}) lines.push({ level, message: values.map(text).join(" ").slice(0, ${MAX_LOG_LINE_CHARS}) });
  };
  globalThis.console = { log: say("info"), info: say("info"), debug: say("debug"), warn: say("warn"), error: say("error") };
  Object.defineProperty(globalThis, "__logs", { value: () => JSON.stringify(lines) });
  return "";
})()`;

/** An error the guest code raised, as opposed to one of the host (WebAssembly trap, host stack). */
class GuestError extends Error {}

function cancelled(): StepError {
  return new StepError('cancelled', 'code was cancelled', false);
}

function sandboxError(error: unknown, interrupted: 'timeout' | 'cancelled' | undefined, limits: SandboxLimits): StepError {
  if (interrupted === 'timeout') return new StepError('timeout', `code ran longer than ${limits.timeoutMs} ms`, false);
  if (interrupted === 'cancelled') return cancelled();
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory/i.test(message)) return new StepError('memory', `code used more than ${limits.memoryBytes} bytes of memory`, false);
  if (/stack overflow|call stack size/i.test(message)) return new StepError('memory', 'code overflowed its stack', false);
  if (!(error instanceof GuestError)) return new StepError('sandbox', `the sandbox stopped: ${message}`, false);
  return new StepError('code', message, false);
}
