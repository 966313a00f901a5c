/** Why an attempt stopped before its workflow finished; the first cause wins. */
export type StopCause =
  | { kind: 'cancelled'; message: string }
  | { kind: 'timed_out'; message: string }
  /** the attempt is no longer ours (a retry, a cancel recorded elsewhere): record nothing */
  | { kind: 'superseded'; message: string };

/** A SIGTERM near the deadline is the deadline's (Kubernetes' activeDeadlineSeconds, the process launcher's timer). */
export function causeOfTermination(now: number, deadlineAt: number, slackMs: number, timeoutSeconds: number): StopCause {
  return now >= deadlineAt - slackMs
    ? { kind: 'timed_out', message: `the run exceeded its timeout of ${timeoutSeconds}s` }
    : { kind: 'cancelled', message: 'the run was stopped (SIGTERM)' };
}

export class AttemptStop {
  private readonly controller = new AbortController();
  private stopCause: StopCause | undefined;

  /** aborted at the first stop; running steps hear it, no new step starts */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cause(): StopCause | undefined {
    return this.stopCause;
  }

  stop(cause: StopCause): void {
    if (this.stopCause) return;
    this.stopCause = cause;
    this.controller.abort(new Error(cause.message));
  }
}
