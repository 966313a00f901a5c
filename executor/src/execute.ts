import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { contentKeys, LostRace, parseWorkflowDocument, toError, type ExecutionRetryPolicy } from '@flow-like/core';
import {
  claimExecution,
  getExecution,
  getWorkflowVersion,
  listStatusHistory,
  recordHeartbeat,
  requeueAttempt,
  transitionExecution,
  type Database,
  type Execution,
  type ExecutionError,
} from '@flow-like/db';
import { AttemptStop, causeOfTermination } from './attemptStop.js';
import { startHeartbeat } from './reporting/heartbeat.js';
import { createStepReporter } from './reporting/stepReporter.js';
import { runWorkflow, WorkflowFailure } from './runtime/runWorkflow.js';
import { EventChunks } from './sinks/eventChunks.js';
import { createExecutionObjects } from './sinks/executionObjects.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { putObject } from './sinks/s3Client.js';
import { decideAfterWorkflowFailure, type WorkflowFailureFacts } from './workflowRetryDecision.js';

export interface ExecutorSettings {
  heartbeatMs: number;
  eventFlushMs: number;
  inlineOutputBytes: number;
  storeRetry: RetryPolicy;
  /** when the launcher stops the run for its deadline; default: the execution's timeout from its launch */
  deadlineAt?: number | undefined;
  deadlineSlackMs: number;
  /** after a stop, the final writes get at most this long */
  shutdownGraceMs: number;
}

export interface ExecuteDeps {
  db: Database;
  s3: S3Client;
  contentBucket: string;
  logger: Logger;
  /** aborted on SIGTERM */
  terminate: AbortSignal;
  settings: ExecutorSettings;
  /** when this process started: the launch time when Postgres does not say when the attempt was dispatched */
  startedAt: number;
  fetch?: typeof fetch;
}

export interface AttemptTarget {
  executionId: string;
  attempt: number;
}

/** What happened to this attempt, from the executor's point of view. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'requeued' | 'cancelled' | 'timed_out' | 'not_claimed' | 'superseded';

/** How the attempt ends; `requeued`: the workflow failed and asked for another attempt after `delayMs`. */
type Ending =
  | { status: 'succeeded'; resultKey: string }
  | { status: 'failed' | 'cancelled' | 'timed_out'; error: ExecutionError }
  | { status: 'requeued'; error: ExecutionError; delayMs: number };

/** Connection trouble is worth retrying; a lost race is an answer. */
const isAnswer = (error: Error) => error instanceof LostRace;

/**
 * Run one attempt: claim it (a duplicate executor of the same attempt gets no
 * row and leaves having written nothing), run the workflow while streaming
 * events and step status, store the result, then record the terminal status.
 * The status is written only after the result is stored, so `succeeded`
 * always points at a durable result.
 */
export async function executeAttempt(deps: ExecuteDeps, target: AttemptTarget): Promise<AttemptOutcome> {
  const { db, logger, settings } = deps;
  try {
    await withRetry(() => claimExecution(db, target.executionId, target.attempt), settings.storeRetry, isAnswer);
  } catch (error) {
    if (error instanceof LostRace) {
      logger.warn({ err: error.message }, 'attempt not claimable; another executor has it or it has ended');
      return 'not_claimed';
    }
    throw error;
  }
  const execution = await withRetry(() => getExecution(db, target.executionId), settings.storeRetry);
  const version = execution && (await withRetry(() => getWorkflowVersion(db, execution.workflowId, execution.workflowVersion), settings.storeRetry));
  if (!execution || !version) {
    return record(deps, target, { status: 'failed', error: { reason: 'WorkflowMissing', message: 'the workflow version of this execution no longer exists' } }, settings.storeRetry);
  }
  const stop = new AttemptStop();
  const launchedAt = await withRetry(() => dispatchedAt(db, target), settings.storeRetry);
  const deadlineAt = settings.deadlineAt ?? (launchedAt ?? deps.startedAt) + execution.timeoutSeconds * 1_000;
  const terminal = await runAttempt(deps, target, execution, version.document, stop, deadlineAt);
  if (stop.cause?.kind === 'superseded') {
    logger.warn({ reason: stop.cause.message }, 'attempt superseded; recording nothing');
    return 'superseded';
  }
  return record(deps, target, terminal, stop.cause ? shutdownRetry(settings) : settings.storeRetry);
}

/**
 * The launcher starts its deadline clock (the Job's activeDeadlineSeconds, the
 * process launcher's timer) right after it moves the attempt to dispatching.
 */
async function dispatchedAt(db: Database, target: AttemptTarget): Promise<number | undefined> {
  const history = await listStatusHistory(db, target.executionId);
  const dispatched = history.filter((change) => change.to === 'dispatching' && change.attempt === target.attempt).at(-1);
  return dispatched?.at.getTime();
}

async function runAttempt(deps: ExecuteDeps, target: AttemptTarget, execution: Execution, rawDocument: unknown, stop: AttemptStop, deadlineAt: number): Promise<Ending> {
  const { settings, logger } = deps;
  const onTerminate = () => stop.stop(causeOfTermination(Date.now(), deadlineAt, settings.deadlineSlackMs, execution.timeoutSeconds));
  deps.terminate.addEventListener('abort', onTerminate, { once: true });
  if (deps.terminate.aborted) onTerminate();
  const deadline = setTimeout(
    () => stop.stop({ kind: 'timed_out', message: `the run exceeded its timeout of ${execution.timeoutSeconds}s` }),
    Math.max(0, deadlineAt - Date.now()),
  );
  const superseded = () => stop.stop({ kind: 'superseded', message: 'the attempt is no longer running in Postgres' });
  const stopHeartbeat = startHeartbeat({
    beat: () => recordHeartbeat(deps.db, target.executionId, target.attempt),
    intervalMs: settings.heartbeatMs,
    onSuperseded: superseded,
    onError: (error) => logger.warn({ err: toError(error).message }, 'heartbeat not recorded'),
  });
  const events = new EventChunks({
    write: (seq, body) => putObject(deps.s3, deps.contentBucket, contentKeys.events(target.executionId, target.attempt, seq), body, 'application/x-ndjson'),
    flushMs: settings.eventFlushMs,
    chunkBytes: 256 * 1024,
    maxPendingBytes: 8 * 1024 * 1024,
    retry: settings.storeRetry,
    onFlushError: (error) => logger.warn({ err: error.message }, 'events not written yet; trying again'),
  });
  const objects = createExecutionObjects({ client: deps.s3, bucket: deps.contentBucket, ...target, retry: settings.storeRetry });
  events.start();
  let terminal: Ending;
  let retryPolicy: ExecutionRetryPolicy | undefined;
  try {
    const document = parseWorkflowDocument(rawDocument);
    retryPolicy = document.retry;
    events.emit({ type: 'execution.started', workflow: document.name, version: document.version });
    const output = await runWorkflow(document, execution.input, {
      ...target,
      signal: stop.signal,
      logger,
      events,
      ...objects,
      steps: createStepReporter({ db: deps.db, ...target, retry: settings.storeRetry, onSuperseded: superseded }),
      limits: { inlineOutputBytes: settings.inlineOutputBytes },
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    terminal = await storeResult(deps, target, output);
  } catch (error) {
    terminal = failureOf(error, stop, { attempt: target.attempt, maxAttempts: execution.maxAttempts, policy: retryPolicy });
  } finally {
    clearTimeout(deadline);
    stopHeartbeat();
    deps.terminate.removeEventListener('abort', onTerminate);
  }
  if (stop.cause?.kind === 'superseded') {
    events.discard();
  } else {
    events.emit({
      type: 'execution.finished',
      status: terminal.status === 'requeued' ? 'failed' : terminal.status,
      ...('error' in terminal ? { error: terminal.error } : {}),
      ...(terminal.status === 'requeued' ? { retryInMs: terminal.delayMs } : {}),
    });
    await events.close(stop.cause ? shutdownRetry(settings) : settings.storeRetry).catch((error: unknown) => logger.error({ err: toError(error).message }, 'the last events could not be written'));
  }
  return terminal;
}

async function storeResult(deps: ExecuteDeps, target: AttemptTarget, output: unknown): Promise<Ending> {
  const resultKey = contentKeys.result(target.executionId, target.attempt);
  const body = JSON.stringify({ output });
  try {
    await withRetry(() => putObject(deps.s3, deps.contentBucket, resultKey, body, 'application/json'), deps.settings.storeRetry, (error) => error.name === 'AbortError', {
      onRetry: (error, delayMs) => deps.logger.warn({ err: error.message, delayMs }, 'result not stored yet; trying again'),
    });
  } catch (error) {
    return { status: 'failed', error: { reason: 'ResultNotStored', message: `the workflow finished but its result could not be stored: ${toError(error).message}` } };
  }
  return { status: 'succeeded', resultKey };
}

/** After a stop the last writes share the grace period: each may take at most a third of it. */
function shutdownRetry(settings: ExecutorSettings): RetryPolicy {
  return { ...settings.storeRetry, forMs: Math.min(settings.storeRetry.forMs, settings.shutdownGraceMs / 3) };
}

/** Only the workflow's own error may ask for another attempt; a stop, or the executor failing, never does. */
function failureOf(error: unknown, stop: AttemptStop, retry: WorkflowFailureFacts): Ending {
  const cause = stop.cause;
  if (cause && cause.kind !== 'superseded') {
    const detail = error instanceof WorkflowFailure && error.step ? { step: error.step, ...(error.type ? { type: error.type } : {}) } : {};
    return { status: cause.kind, error: { reason: cause.kind === 'timed_out' ? 'deadline' : 'cancelled', message: cause.message, ...detail } };
  }
  if (error instanceof WorkflowFailure) {
    const decision = decideAfterWorkflowFailure(retry);
    return decision.retry ? { status: 'requeued', error: error.toExecutionError(), delayMs: decision.delayMs } : { status: 'failed', error: error.toExecutionError() };
  }
  return { status: 'failed', error: { reason: 'ExecutorError', message: toError(error).message } };
}

async function record(deps: ExecuteDeps, target: AttemptTarget, terminal: Ending, retry: RetryPolicy): Promise<AttemptOutcome> {
  if (terminal.status === 'requeued') return requeue(deps, target, terminal, retry);
  try {
    await withRetry(
      () =>
        transitionExecution(deps.db, {
          id: target.executionId,
          attempt: target.attempt,
          from: ['running'],
          to: terminal.status,
          reason: terminal.status === 'succeeded' ? 'workflow completed' : terminal.error.reason,
          set: {
            finishedAt: new Date(),
            error: terminal.status === 'succeeded' ? null : terminal.error,
            resultKey: terminal.status === 'succeeded' ? terminal.resultKey : null,
          },
        }),
      retry,
      isAnswer,
    );
  } catch (caught) {
    if (caught instanceof LostRace) {
      // cancelled or retried by someone else while we ran: their word stands
      deps.logger.warn({ err: caught.message }, 'terminal status not recorded: the attempt was superseded');
      return 'superseded';
    }
    throw caught;
  }
  return terminal.status;
}

/**
 * The next attempt goes back to the queue like a platform retry: a new
 * attempt number, due after the backoff, admitted by the dispatcher's next
 * round once due. A cancel that won meanwhile leaves nothing to requeue.
 */
async function requeue(deps: ExecuteDeps, target: AttemptTarget, ending: { error: ExecutionError; delayMs: number }, retry: RetryPolicy): Promise<AttemptOutcome> {
  const requeued = await withRetry(() => requeueAttempt(deps.db, { id: target.executionId, attempt: target.attempt, delayMs: ending.delayMs, reason: ending.error.reason }), retry);
  if (!requeued) {
    deps.logger.warn('next attempt not queued: the attempt was superseded');
    return 'superseded';
  }
  deps.logger.info({ err: ending.error.message, nextAttempt: requeued.attempt, delayMs: ending.delayMs }, 'workflow failed; its retry policy queued another attempt');
  return 'requeued';
}
