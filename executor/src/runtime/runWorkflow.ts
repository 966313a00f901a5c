import { finalSteps, referencedSteps, type WorkflowDocument } from '@flow-like/core';
import type { RunContext } from './context.js';
import { evaluate } from './evaluate.js';
import { StepError, WorkflowFailure } from './failure.js';
import { runGraph } from './runGraph.js';

export type { RunContext } from './context.js';
export { WorkflowFailure } from './failure.js';

/**
 * Run a parsed workflow document to its output. Throws WorkflowFailure when a
 * step fails for good, when the output expression fails, or when the run is
 * cancelled through `context.signal`.
 */
export async function runWorkflow(document: WorkflowDocument, input: unknown, context: RunContext): Promise<unknown> {
  const state = await runGraph(document, input, context);
  if (document.output === undefined) {
    return Object.fromEntries(finalSteps(document.steps).map((id) => [id, state.heldOutput(id)]));
  }
  try {
    const scope = await state.scope(referencedSteps(document.output), context.signal);
    return await evaluate(document.output, scope);
  } catch (error) {
    const message = error instanceof StepError ? error.message : String(error);
    throw new WorkflowFailure({ reason: error instanceof StepError ? error.reason : 'output', message: `workflow output: ${message}` });
  }
}
