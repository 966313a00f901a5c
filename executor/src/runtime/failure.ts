/**
 * Why a step try did not succeed. `retryable: false` tells the retry policy
 * that another try cannot help (a deliberate `fail`, parameters that do not fit).
 */
export class StepError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'StepError';
  }
}

export interface WorkflowFailureDetail {
  step?: string;
  type?: string;
  reason: string;
  message: string;
}

/** The workflow did not produce an output; the detail becomes the execution's structured error. */
export class WorkflowFailure extends Error {
  readonly step: string | undefined;
  readonly type: string | undefined;
  readonly reason: string;

  constructor(detail: WorkflowFailureDetail) {
    super(detail.message);
    this.name = 'WorkflowFailure';
    this.step = detail.step;
    this.type = detail.type;
    this.reason = detail.reason;
  }

  toExecutionError(): WorkflowFailureDetail {
    return {
      reason: this.reason,
      message: this.message,
      ...(this.step === undefined ? {} : { step: this.step }),
      ...(this.type === undefined ? {} : { type: this.type }),
    };
  }
}
