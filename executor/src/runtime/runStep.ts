import { backoffCeilingMs, toError, type RetryPolicy, type StepType } from '@flow-like/core';
import { stepModules } from '../steps/catalog.js';
import type { LogLevel, StepRun } from '../steps/stepModule.js';
import { abortError, childController, raceAbort, sleep } from './abort.js';
import type { RunContext } from './context.js';
import { evaluate, resolveParams, type Scope } from './evaluate.js';
import type { RunEvent } from './events.js';
import { StepError } from './failure.js';

/** A step as the runtime runs it: a top-level step, or a map's template for one item. */
export interface ExecutableStep {
  id: string;
  type: StepType;
  params: Record<string, unknown>;
  timeoutSeconds?: number | undefined;
  retry?: RetryPolicy | undefined;
  output?: string | undefined;
}

export interface StepEnvironment {
  context: RunContext;
  emit(event: RunEvent): void;
}

export function asStepError(error: unknown): StepError {
  if (error instanceof StepError) return error;
  return new StepError('error', toError(error).message);
}

/**
 * Run a step with its retry policy. `onTry` hears each try's number before it
 * starts. A failure that another try cannot fix, or a cancelled run, ends it at once.
 */
export async function runWithRetries(
  step: ExecutableStep,
  scope: Scope,
  environment: StepEnvironment,
  signal: AbortSignal,
  onTry: (attempt: number) => void = () => {},
): Promise<unknown> {
  const attempts = step.retry?.attempts ?? 1;
  for (let attempt = 1; ; attempt += 1) {
    onTry(attempt);
    try {
      return await runOnce(step, scope, environment, signal);
    } catch (caught) {
      if (signal.aborted) throw abortError(signal);
      const error = asStepError(caught);
      if (!error.retryable || attempt >= attempts || !step.retry) throw error;
      const delayMs = backoffCeilingMs(step.retry.backoff, attempt);
      environment.emit({ type: 'step.retried', step: step.id, try: attempt, delayMs, reason: error.reason, message: error.message });
      await sleep(delayMs, signal);
    }
  }
}

async function runOnce(step: ExecutableStep, scope: Scope, environment: StepEnvironment, parent: AbortSignal): Promise<unknown> {
  const { controller, release } = childController(parent);
  const timeoutMs = step.timeoutSeconds === undefined ? undefined : step.timeoutSeconds * 1000;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new StepError('timeout', `step timed out after ${step.timeoutSeconds}s`)), timeoutMs);
  try {
    const raw = await raceAbort(start(step, scope, environment, controller.signal), controller.signal);
    return step.output === undefined ? raw : await evaluate(step.output, { ...scope, result: raw });
  } finally {
    clearTimeout(timer);
    release();
    // whatever the step left running (a response stream, a sandbox) hears that the try is over
    if (!controller.signal.aborted) controller.abort(new StepError('cancelled', 'the step try ended', false));
  }
}

async function start(step: ExecutableStep, scope: Scope, environment: StepEnvironment, signal: AbortSignal): Promise<unknown> {
  const module = stepModules[step.type] as StepRunner;
  const resolved = await resolveParams(step.type, step.params, scope);
  const parsed = module.params.safeParse(resolved);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
    throw new StepError('invalid_params', `parameters do not fit a ${step.type} step: ${detail}`, false);
  }
  const run: StepRun<unknown> = {
    stepId: step.id,
    params: parsed.data,
    signal,
    scope,
    context: environment.context,
    evaluate: (expression, extra = {}) => evaluate(expression, { ...scope, ...extra }),
    log: (level: LogLevel, message: string, data?: unknown) =>
      environment.emit({ type: 'log', step: step.id, level, message, ...(data === undefined ? {} : { data }) }),
    runTemplate: (template, extra, childSignal) =>
      runWithRetries(
        { id: `${step.id}[${String(extra['index'])}]`, type: template.type as StepType, params: template.params, timeoutSeconds: template.timeoutSeconds, retry: template.retry, output: template.output },
        { ...scope, ...extra },
        environment,
        childSignal,
      ),
  };
  return module.run(run);
}

interface StepRunner {
  params: { safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } };
  run(run: StepRun<unknown>): Promise<unknown>;
}
