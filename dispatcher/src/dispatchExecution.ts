import type { Logger } from 'pino';
import { isTerminal, LostRace, type ExecutionStatus, type TerminalStatus } from '@flow-like/core';
import { getExecution, transitionExecution, type Database, type Execution } from '@flow-like/db';
import type { LaunchedRun, Launcher, RunOutcome } from './launcher.js';

export interface DispatchDeps {
  db: Database;
  launcher: Launcher;
  logger: Logger;
}

const IN_FLIGHT: readonly ExecutionStatus[] = ['dispatching', 'starting', 'running'];

/**
 * Carry one execution from `queued` to a terminal status: take it
 * (queued → dispatching), launch its attempt, wait for the run to end, and if
 * the executor could not record an ending itself, record what the platform
 * saw. Every write is a guarded transition, so a racing replica, a cancel or
 * the executor itself simply wins and this returns quietly.
 */
export async function dispatchExecution(deps: DispatchDeps, executionId: string): Promise<void> {
  const { db, logger } = deps;
  const log = logger.child({ executionId });
  let execution = await getExecution(db, executionId);
  if (!execution) {
    log.warn('no such execution; dropping its queue entry');
    return;
  }
  if (isTerminal(execution.status)) return;

  if (execution.status === 'queued') {
    try {
      execution = await transitionExecution(db, { id: executionId, attempt: execution.attempt, from: ['queued'], to: 'dispatching', reason: 'taken by dispatcher' });
    } catch (error) {
      if (error instanceof LostRace) return;
      throw error;
    }
  }

  const run = await startOrAttach(deps, execution);
  if (!run) {
    await recordPlatformEnding(deps, execution, { kind: 'failed', reason: 'PodLost', message: 'the run of this attempt no longer exists' });
    return;
  }
  const outcome = await run.done;
  await recordPlatformEnding(deps, execution, outcome);
}

async function startOrAttach(deps: DispatchDeps, execution: Execution): Promise<LaunchedRun | undefined> {
  const attached = await deps.launcher.attach(execution.id, execution.attempt);
  if (attached) return attached;
  // only a dispatching attempt may be (re)launched: past that, a run existed and is gone
  if (execution.status !== 'dispatching') return undefined;
  const run = await deps.launcher.launch({
    executionId: execution.id,
    attempt: execution.attempt,
    projectId: execution.projectId,
    workflowId: execution.workflowId,
    workflowVersion: execution.workflowVersion,
    timeoutSeconds: execution.timeoutSeconds,
  });
  try {
    await transitionExecution(deps.db, {
      id: execution.id,
      attempt: execution.attempt,
      from: ['dispatching'],
      to: 'starting',
      reason: 'launched',
      set: { runner: run.runner },
    });
  } catch (error) {
    // the executor may already have claimed it (running), or it was cancelled: both fine
    if (!(error instanceof LostRace)) throw error;
  }
  return run;
}

function terminalFor(outcome: RunOutcome): { status: TerminalStatus; reason: string; message: string } {
  if (outcome.kind === 'exited') {
    return { status: 'failed', reason: 'ExecutorExited', message: 'the executor exited without recording an ending' };
  }
  if (outcome.reason === 'DeadlineExceeded') return { status: 'timed_out', reason: outcome.reason, message: outcome.message };
  if (outcome.reason === 'Cancelled') return { status: 'cancelled', reason: outcome.reason, message: outcome.message };
  return { status: 'failed', reason: outcome.reason, message: outcome.message };
}

/** The executor's own word wins: only an attempt still in flight gets the platform's version. */
async function recordPlatformEnding(deps: DispatchDeps, execution: Execution, outcome: RunOutcome): Promise<void> {
  const current = await getExecution(deps.db, execution.id);
  if (!current || isTerminal(current.status) || current.attempt !== execution.attempt) return;
  const ending = terminalFor(outcome);
  try {
    await transitionExecution(deps.db, {
      id: execution.id,
      attempt: execution.attempt,
      from: IN_FLIGHT,
      to: ending.status,
      reason: ending.reason,
      set: { finishedAt: new Date(), error: { reason: ending.reason, message: ending.message } },
    });
    deps.logger.info({ executionId: execution.id, status: ending.status, reason: ending.reason }, 'recorded ending seen by the platform');
  } catch (error) {
    if (!(error instanceof LostRace)) throw error;
  }
}
