import {
  ancestorsOf,
  branchTargets,
  dependenciesOf,
  referencedSteps,
  stepExpressions,
  type StepDefinition,
  type WorkflowDocument,
} from '@flow-like/core';
import { childController } from './abort.js';
import { DEFAULT_LIMITS, type RunContext, type StepChange } from './context.js';
import { evaluateCondition } from './evaluate.js';
import type { RunEvent } from './events.js';
import { StepError, WorkflowFailure } from './failure.js';
import { RunState } from './runState.js';
import { asStepError, runWithRetries, type StepEnvironment } from './runStep.js';

/**
 * Run the step graph: each step starts as soon as everything it needs has
 * finished, up to the concurrency cap. The first step that fails for good
 * stops the run: nothing new starts, running steps are aborted and awaited,
 * and the failure names the step.
 */
export async function runGraph(document: WorkflowDocument, input: unknown, context: RunContext): Promise<RunState> {
  const limits = { ...DEFAULT_LIMITS, ...context.limits };
  const cap = Math.min(document.concurrency, limits.maxConcurrency);
  const state = new RunState(input, context.outputs, limits.inlineOutputBytes);
  const deps = dependenciesOf(document.steps);
  const clock = context.clock ?? Date;
  const emit = (event: RunEvent) => context.events?.emit(event);
  const environment: StepEnvironment = { context, emit };
  const { controller, release } = childController(context.signal);
  const deselected = new Set<string>();
  const pending = new Map(document.steps.map((s) => [s.id, s]));
  const running = new Map<string, Promise<void>>();
  let failure: WorkflowFailure | undefined;

  const report = (change: StepChange) => context.steps?.report(change) ?? Promise.resolve();

  const readsOf = (step: StepDefinition): Set<string> =>
    step.type === 'code'
      ? ancestorsOf(step.id, deps)
      : new Set(stepExpressions(step, '').flatMap(({ expression }) => [...referencedSteps(expression)]));

  const skip = async (step: StepDefinition, why: string) => {
    state.finish(step.id, 'skipped');
    emit({ type: 'step.skipped', step: step.id, why });
    await report({ stepId: step.id, status: 'skipped', tries: 0 });
  };

  const runOne = async (step: StepDefinition): Promise<void> => {
    let tries = 0;
    const startedAt = clock.now();
    // the "running" row is written without holding the step up, but before its final row, never after
    let reportedRunning: Promise<void> = Promise.resolve();
    try {
      const scope = await state.scope(readsOf(step), controller.signal);
      if (step.if !== undefined && !(await evaluateCondition(step.if, scope))) {
        await skip(step, `condition is false: ${step.if}`);
        return;
      }
      const output = await runWithRetries(step, scope, environment, controller.signal, (attempt) => {
        tries = attempt;
        emit({ type: 'step.started', step: step.id, stepType: step.type, try: attempt });
        if (attempt === 1) {
          reportedRunning = report({ stepId: step.id, status: 'running', tries: attempt }).catch((reportError: unknown) =>
            context.logger.warn({ err: String(reportError), step: step.id }, 'could not record the step start'),
          );
        }
      });
      if (step.type === 'branch') {
        const selected = new Set((output as { selected: string[] }).selected);
        for (const target of branchTargets(step)) if (!selected.has(target)) deselected.add(target);
      }
      const stored = await state.succeed(step.id, output, controller.signal);
      emit({ type: 'step.succeeded', step: step.id, durationMs: clock.now() - startedAt, ...stored });
      await reportedRunning;
      await report({ stepId: step.id, status: 'succeeded', tries, ...stored });
    } catch (caught) {
      const error = asStepError(caught);
      const cancelled = controller.signal.aborted && error.reason === 'cancelled';
      state.finish(step.id, cancelled ? 'cancelled' : 'failed');
      emit({ type: 'step.failed', step: step.id, try: tries, reason: error.reason, message: error.message });
      await reportedRunning;
      await report({ stepId: step.id, status: cancelled ? 'cancelled' : 'failed', tries, error: { reason: error.reason, message: error.message } }).catch(
        (reportError: unknown) => context.logger.warn({ err: String(reportError), step: step.id }, 'could not record the step failure'),
      );
      failure ??= new WorkflowFailure({ step: step.id, type: step.type, reason: error.reason, message: error.message });
      controller.abort(new StepError('cancelled', `cancelled because step "${step.id}" failed`, false));
    }
  };

  /** Settle every pending step whose fate is already decided; start the ready ones while there is room. */
  const advance = async (): Promise<void> => {
    let changed = true;
    while (changed && !failure && !controller.signal.aborted) {
      changed = false;
      for (const step of pending.values()) {
        const needs = [...(deps.get(step.id) ?? [])];
        if (!needs.every((id) => state.outcome(id) === 'succeeded' || state.outcome(id) === 'skipped')) continue;
        if (deselected.has(step.id)) {
          pending.delete(step.id);
          await skip(step, 'not selected by its branch');
          changed = true;
        } else if (step.if === undefined && needs.some((id) => state.outcome(id) === 'skipped')) {
          pending.delete(step.id);
          await skip(step, 'a step it needs was skipped');
          changed = true;
        } else if (running.size < cap) {
          pending.delete(step.id);
          running.set(step.id, runOne(step).finally(() => running.delete(step.id)));
        }
      }
    }
  };

  try {
    for (;;) {
      await advance();
      if (running.size === 0 || failure || controller.signal.aborted) break;
      await Promise.race(running.values());
    }
    await Promise.allSettled([...running.values()]);
  } catch (caught) {
    controller.abort(new StepError('cancelled', 'the run stopped', false));
    await Promise.allSettled([...running.values()]);
    throw caught;
  } finally {
    release();
  }
  if (context.signal.aborted) {
    const reason: unknown = context.signal.reason;
    // name the step the stop interrupted, so a user sees where the run was
    const interrupted = failure ? { step: failure.step, type: failure.type } : {};
    throw new WorkflowFailure({ reason: 'cancelled', message: reason instanceof Error ? reason.message : 'the execution was cancelled', ...interrupted });
  }
  if (failure) throw failure;
  return state;
}
