import { claimExecution, transitionExecution, type Database } from '@flow-like/db';
import type { LaunchedRun, Launcher, RunOutcome } from '@flow-like/dispatcher';

/**
 * An executor that does nothing, in process: it claims the attempt and ends
 * it succeeded with the same two writes a real executor makes, so what is
 * measured is the dispatcher (and Postgres), not process or pod start-up.
 */
export function createNoopLauncher(db: Database, onLaunch: (executionId: string) => void, onEnd: (ok: boolean) => void): Launcher {
  return {
    async launch(request) {
      onLaunch(request.executionId);
      const done: Promise<RunOutcome> = (async () => {
        await claimExecution(db, request.executionId, request.attempt);
        await transitionExecution(db, { id: request.executionId, attempt: request.attempt, from: ['running'], to: 'succeeded', reason: 'noop', set: { finishedAt: new Date() } });
        onEnd(true);
        return { kind: 'exited', exitCode: 0 } as const;
      })().catch((error: unknown) => {
        onEnd(false);
        return { kind: 'failed', reason: 'ExecutorCrashed', message: String(error) } as const;
      });
      const run: LaunchedRun = { runner: `noop:${request.executionId}`, done, cancel: async () => {} };
      return run;
    },
    attach: async () => undefined,
    close: async () => {},
  };
}
