import type { Logger } from 'pino';
import { contentKeys, LostRace, parseWorkflowDocument, toError } from '@flow-like/core';
import {
  claimExecution,
  getExecution,
  getWorkflowVersion,
  transitionExecution,
  type Database,
  type ExecutionError,
} from '@flow-like/db';
import { runWorkflow, WorkflowFailure } from './runtime/runWorkflow.js';

export interface ExecuteDeps {
  db: Database;
  /** durably store an object in the content bucket; resolves only once it is stored */
  putContent(key: string, body: string, contentType: string): Promise<void>;
  logger: Logger;
  signal: AbortSignal;
}

export interface AttemptTarget {
  executionId: string;
  attempt: number;
}

/** What happened to this attempt, from the executor's point of view. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'not_claimed' | 'superseded';

/**
 * Run one attempt: claim it (a duplicate executor of the same attempt gets no
 * row and leaves), run the workflow, store the result, then record the
 * terminal status. The status is written only after the result is stored, so
 * `succeeded` always points at a durable result.
 */
export async function executeAttempt(deps: ExecuteDeps, target: AttemptTarget): Promise<AttemptOutcome> {
  const { db, logger } = deps;
  try {
    await claimExecution(db, target.executionId, target.attempt);
  } catch (error) {
    if (error instanceof LostRace) {
      logger.warn({ err: error.message }, 'attempt not claimable; another executor has it or it has ended');
      return 'not_claimed';
    }
    throw error;
  }
  const execution = await getExecution(db, target.executionId);
  const version = execution && (await getWorkflowVersion(db, execution.workflowId, execution.workflowVersion));
  if (!execution || !version) {
    return finish(deps, target, { reason: 'WorkflowMissing', message: 'the workflow version of this execution no longer exists' });
  }
  let output: unknown;
  try {
    const document = parseWorkflowDocument(version.document);
    output = await runWorkflow(document, execution.input, { executionId: target.executionId, attempt: target.attempt, signal: deps.signal, logger });
  } catch (error) {
    const failure =
      error instanceof WorkflowFailure
        ? error.toExecutionError()
        : { reason: 'ExecutorError', message: toError(error).message };
    return finish(deps, target, failure);
  }
  const resultKey = contentKeys.result(target.executionId, target.attempt);
  await deps.putContent(resultKey, JSON.stringify({ output }), 'application/json');
  return finish(deps, target, undefined, resultKey);
}

async function finish(deps: ExecuteDeps, target: AttemptTarget, error: ExecutionError | undefined, resultKey?: string): Promise<AttemptOutcome> {
  try {
    await transitionExecution(deps.db, {
      id: target.executionId,
      attempt: target.attempt,
      from: ['running'],
      to: error ? 'failed' : 'succeeded',
      reason: error ? error.reason : 'workflow completed',
      set: { finishedAt: new Date(), error: error ?? null, resultKey: resultKey ?? null },
    });
  } catch (caught) {
    if (caught instanceof LostRace) {
      // cancelled or retried by the dispatcher while we ran: its word stands
      deps.logger.warn({ err: caught.message }, 'terminal status not recorded: the attempt was superseded');
      return 'superseded';
    }
    throw caught;
  }
  return error ? 'failed' : 'succeeded';
}
