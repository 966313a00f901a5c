import type { Database } from '@flow-like/db';
import { recordStepRun } from '@flow-like/db/stepRuns';
import type { StepReporter } from '../runtime/context.js';
import { withRetry, type RetryPolicy } from '../retry.js';

export interface StepReporterOptions {
  db: Database;
  executionId: string;
  attempt: number;
  retry: RetryPolicy;
  /** the row was fenced out: this attempt is no longer the execution's running attempt */
  onSuperseded(): void;
}

/** Step status rows in Postgres, retried through an outage; a fenced write stops the attempt instead of failing the step. */
export function createStepReporter(options: StepReporterOptions): StepReporter {
  return {
    async report(change) {
      const written = await withRetry(
        () =>
          recordStepRun(options.db, {
            executionId: options.executionId,
            attempt: options.attempt,
            stepId: change.stepId,
            status: change.status,
            tries: change.tries,
            error: change.error ?? null,
            output: change.output,
            outputKey: change.outputKey ?? null,
          }),
        options.retry,
      );
      if (!written) options.onSuperseded();
    },
  };
}
