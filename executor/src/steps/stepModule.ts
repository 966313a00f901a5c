import type { z } from 'zod';
import type { MapTemplate } from '@flow-like/core';
import type { RunContext } from '../runtime/context.js';
import type { Scope } from '../runtime/evaluate.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Everything one try of a step may use; nothing else reaches it. */
export interface StepRun<P> {
  /** the step id; `<map>[<index>]` for an item of a map */
  stepId: string;
  params: P;
  /** aborted on timeout or cancellation; every wait of the step listens to it */
  signal: AbortSignal;
  scope: Scope;
  context: RunContext;
  evaluate(expression: string, extra?: Scope): Promise<unknown>;
  log(level: LogLevel, message: string, data?: unknown): void;
  /** run a map's template for one item, with its own retries and timeout */
  runTemplate(template: MapTemplate, extra: Scope, signal: AbortSignal): Promise<unknown>;
}

export interface StepModule<P> {
  params: z.ZodType<P>;
  run(run: StepRun<P>): Promise<unknown>;
}
