import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isTerminal, toError, type ExecutionStatus } from '@flow-like/core';
import { heartbeatAttempts, markAttemptsLaunched, readAttemptStates, type AttemptState, type Database, type Execution, type LaunchedAttempt } from '@flow-like/db';
import { batchCalls } from './batchCalls.js';
import type { LaunchedRun, Launcher, RunOutcome } from './launcher.js';
import { concurrencyLimit } from './concurrencyLimit.js';
import { repeatEvery, type Repeating } from './repeatEvery.js';
import { lossOf, settleAttempt, type SettleDeps } from './settleAttempt.js';
import type { LossReason } from './scheduling/retryDecision.js';

export interface RunSupervisorDeps extends SettleDeps {
  db: Database;
  launcher: Launcher;
  logger: Logger;
  heartbeatIntervalMs: number;
  /** launches in progress at once, so a large admission round cannot swamp the launcher or the database pool */
  launchConcurrency: number;
  /** a run ended and its slot is free again */
  onSlotFreed(): void;
}

interface HeldAttempt {
  id: string;
  attempt: number;
  run?: LaunchedRun;
  /** the row moved on (cancelled, ended elsewhere, a newer attempt): stop the run once it exists */
  stopRequested: boolean;
  /** a terminal status of this very attempt was announced: there is nothing left to record */
  ended: boolean;
}

export interface RunSupervisor {
  /** launch executions this replica admitted (status dispatching) */
  launch(execution: Execution): void;
  /** take over an attempt a dead replica left behind: re-attach to its run, or count it lost */
  adopt(execution: Execution): void;
  isHeld(id: string): boolean;
  /** the row of `id` is now at `status`/`attempt`: stop a run that no longer matches it */
  observe(id: string, status: ExecutionStatus, attempt: number): void;
  heldCount(): number;
  /** resolves when nothing is held any more, or after `ms` */
  drain(ms: number): Promise<void>;
  /** stop watching; the runs still held are handed back as lost (or left to re-attach) */
  close(): Promise<void>;
}

const SETTLE_RETRY_MS = 1_000;
/** rows one batched launch record or ending check touches at most */
const WRITE_BATCH = 500;

/** The driver's reason, which query builders keep in `cause`, without the query text. */
function describe(error: unknown): string {
  const failure = toError(error);
  return failure.cause instanceof Error ? failure.cause.message : failure.message;
}
/** statuses that mean the run of the held attempt must stop */
const STOPPING: ReadonlySet<string> = new Set(['queued', 'cancelled', 'timed_out']);

/**
 * Carries each attempt this replica holds from launch to a recorded ending,
 * vouching for it with heartbeats meanwhile. I/O only: what a lost run means
 * is decided by settleAttempt's pure rules.
 */
export function createRunSupervisor(deps: RunSupervisorDeps): RunSupervisor {
  const held = new Map<string, HeldAttempt>();
  const limitLaunches = concurrencyLimit(deps.launchConcurrency);
  const carrying = new Set<Promise<void>>();
  let closing = false;
  // a round's launches and endings each cost one statement, not one per attempt
  const markLaunched = batchCalls(async (launched: LaunchedAttempt[]) => {
    const moved = new Set((await markAttemptsLaunched(deps.db, launched)).map((a) => `${a.id}:${a.attempt}`));
    return launched.map((l) => moved.has(`${l.id}:${l.attempt}`));
  }, WRITE_BATCH);
  const readState = batchCalls(async (ids: string[]) => {
    const states = new Map((await readAttemptStates(deps.db, ids)).map((state) => [state.id, state]));
    return ids.map((id): AttemptState | undefined => states.get(id));
  }, WRITE_BATCH);
  /** the executor recorded this attempt's ending itself, which its notification may not have told yet */
  const endedOnItsOwn = async (entry: HeldAttempt) => {
    try {
      const state = await readState(entry.id);
      return state !== undefined && state.attempt === entry.attempt && isTerminal(state.status);
    } catch {
      // settling reads the row again, and retries
      return false;
    }
  };

  const stopRun = (entry: HeldAttempt) => {
    entry.stopRequested = true;
    entry.run?.cancel().catch((error: unknown) => deps.logger.warn({ executionId: entry.id, err: toError(error).message }, 'cancelling a run failed'));
  };

  const settle = async (entry: HeldAttempt, loss: LossReason, message: string) => {
    // Postgres may be away for a while: the attempt stays held and vouched for until its ending is written
    for (;;) {
      if (closing) return;
      try {
        const settled = await settleAttempt(deps, entry, loss, message);
        if (settled !== 'already_ended') deps.logger.info({ executionId: entry.id, attempt: entry.attempt, loss, settled }, 'attempt ended without an ending of its own');
        return;
      } catch (error) {
        deps.logger.warn({ executionId: entry.id, err: describe(error) }, 'recording an ending failed; retrying');
        await delay(SETTLE_RETRY_MS);
      }
    }
  };

  const start = (execution: Execution): Promise<LaunchedRun> =>
    deps.launcher.launch({
      executionId: execution.id,
      attempt: execution.attempt,
      projectId: execution.projectId,
      workflowId: execution.workflowId,
      workflowVersion: execution.workflowVersion,
      timeoutSeconds: execution.timeoutSeconds,
    });

  const recordLaunch = async (execution: Execution, run: LaunchedRun) => {
    try {
      // not moved: claimed already (running) or cancelled meanwhile, which the watch sees to
      await markLaunched({ id: execution.id, attempt: execution.attempt, runner: run.runner });
    } catch (error) {
      // only the runner column is lost: the run exists and is watched all the same
      deps.logger.warn({ executionId: execution.id, err: describe(error) }, 'recording the launch failed');
    }
  };

  const carry = async (entry: HeldAttempt, execution: Execution, mode: 'launch' | 'adopt') => {
    let outcome: RunOutcome;
    try {
      // only the launcher's own calls count against the limit: recording them is batched
      const run = await limitLaunches(() => (mode === 'launch' ? start(execution) : deps.launcher.attach(execution.id, execution.attempt)));
      if (!run) {
        // never launch an attempt twice: a run that cannot be found is lost, and a retry is a new attempt
        await settle(entry, 'PodLost', 'the run of this attempt no longer exists');
        return;
      }
      entry.run = run;
      if (entry.stopRequested) stopRun(entry);
      if (mode === 'launch') await recordLaunch(execution, run);
      outcome = await run.done;
    } catch (error) {
      outcome = { kind: 'failed', reason: 'LaunchFailed', message: toError(error).message };
    }
    if (entry.ended || (await endedOnItsOwn(entry))) return;
    await settle(entry, lossOf(outcome), outcome.kind === 'failed' ? outcome.message : 'the executor exited without recording an ending');
  };

  const hold = (execution: Execution, mode: 'launch' | 'adopt') => {
    // a retry of an attempt this replica still finishes settling replaces it; a duplicate is ignored
    const existing = held.get(execution.id);
    if (closing || (existing && existing.attempt >= execution.attempt)) return;
    const entry: HeldAttempt = { id: execution.id, attempt: execution.attempt, stopRequested: false, ended: false };
    held.set(execution.id, entry);
    const task = carry(entry, execution, mode)
      .catch((error: unknown) => deps.logger.error({ executionId: execution.id, err: toError(error).message }, 'carrying an attempt failed'))
      .finally(() => {
        if (held.get(execution.id) === entry) held.delete(execution.id);
        carrying.delete(task);
        deps.onSlotFreed();
      });
    carrying.add(task);
  };

  const observe = (id: string, status: ExecutionStatus, attempt: number) => {
    const entry = held.get(id);
    if (!entry) return;
    if (attempt === entry.attempt && isTerminal(status)) entry.ended = true;
    if (entry.stopRequested) return;
    // succeeded/failed come from the executor itself, which is exiting anyway
    if (attempt !== entry.attempt || STOPPING.has(status)) stopRun(entry);
  };

  const heartbeat: Repeating = repeatEvery(
    deps.heartbeatIntervalMs,
    async () => {
      const attempts = [...held.values()].map(({ id, attempt }) => ({ id, attempt }));
      if (attempts.length === 0) return;
      await heartbeatAttempts(deps.db, attempts);
      // the safety net behind the status notifications, which a lost LISTEN connection misses: it must decide as they do,
      // or an ending the executor wrote just before its pod exits gets its finished Job deleted
      for (const state of await readAttemptStates(deps.db, attempts.map((a) => a.id))) observe(state.id, state.status, state.attempt);
    },
    (error) => deps.logger.warn({ err: toError(error).message }, 'heartbeat failed'),
  );

  return {
    launch: (execution) => hold(execution, 'launch'),
    adopt: (execution) => hold(execution, 'adopt'),
    isHeld: (id) => held.has(id),
    observe,
    heldCount: () => held.size,
    async drain(ms) {
      const deadline = Date.now() + ms;
      while (carrying.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.all(carrying), delay(Math.max(0, deadline - Date.now()))]);
      }
    },
    async close() {
      if (!deps.launcher.detachedRuns) {
        // the runs die with this process: hand each attempt back now rather than after it goes stale
        await Promise.all(
          [...held.values()].map((entry) =>
            settleAttempt(deps, entry, 'DispatcherStopped', 'the dispatcher stopped while the run was in flight').catch((error: unknown) =>
              deps.logger.warn({ executionId: entry.id, err: toError(error).message }, 'handing an attempt back failed'),
            ),
          ),
        );
      }
      closing = true;
      await heartbeat.stop();
    },
  };
}
