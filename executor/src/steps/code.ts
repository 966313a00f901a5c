import type { z } from 'zod';
import { codeParams } from '@flow-like/core';
import { runInSandbox } from '../sandbox/quickjs.js';
import type { StepModule } from './stepModule.js';

export const params = codeParams;

/** JavaScript in the QuickJS sandbox; it sees `input`, `steps` (and `item`, `index` in a map) as plain data; `console` lines become log events. */
export const codeStep: StepModule<z.output<typeof params>> = {
  params,
  run(run) {
    const scope: Record<string, unknown> = { input: run.scope['input'] ?? null, steps: run.scope['steps'] ?? {} };
    if ('item' in run.scope) scope['item'] = run.scope['item'];
    if ('index' in run.scope) scope['index'] = run.scope['index'];
    const limits = { timeoutMs: run.params.timeoutMs, memoryBytes: run.params.memoryBytes };
    return runInSandbox(run.params.source, scope, limits, run.signal, (line) => run.log(line.level, line.message));
  },
};
