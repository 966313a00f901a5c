import type { Logger } from 'pino';
import { toError } from '@flow-like/core';
import { admitExecutions, type Database, type Execution, type SlotLimits } from '@flow-like/db';
import { planAdmissions } from './scheduling/planAdmissions.js';

export interface AdmissionLoopDeps {
  db: Database;
  logger: Logger;
  limits: SlotLimits;
  /** most executions taken in one round */
  batch: number;
  /** safety net: a round runs at least this often even without wake-ups */
  intervalMs: number;
  /** hands the executions this replica admitted over to be launched */
  onAdmitted(executions: Execution[]): void;
}

export interface AdmissionLoop {
  /** something may have become admissible: a submission, a freed slot, a due retry */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * Runs admission rounds in Postgres. Wake-ups arriving during a round are
 * folded into one more round, so a burst of a thousand submissions costs a
 * handful of rounds, and a full batch is followed by another at once.
 */
export function createAdmissionLoop(deps: AdmissionLoopDeps): AdmissionLoop {
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;

  const round = async (): Promise<number> => {
    const admitted = await admitExecutions(deps.db, { limits: deps.limits, maxCount: deps.batch }, planAdmissions);
    if (admitted.length > 0) deps.onAdmitted(admitted);
    return admitted.length;
  };

  const drain = async () => {
    do {
      again = false;
      try {
        if ((await round()) >= deps.batch) again = true;
      } catch (error) {
        // Postgres away: the interval brings the next try
        deps.logger.warn({ err: toError(error).message }, 'admission round failed');
        return;
      }
    } while (again && !stopped);
  };

  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain().finally(() => {
      running = undefined;
      if (again) wake();
    });
  };

  const timer = setInterval(wake, deps.intervalMs);
  wake();
  return {
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
