/**
 * How the dispatcher starts one attempt of an execution somewhere (a
 * Kubernetes Job or a local process) and learns how it ended. Implementations
 * only do I/O; what an outcome means for the execution's status is decided by
 * the caller, because the executor's own terminal status always wins.
 */
export interface LaunchRequest {
  executionId: string;
  attempt: number;
  projectId: string;
  workflowId: string;
  workflowVersion: number;
  /** hard run deadline; the Job's activeDeadlineSeconds */
  timeoutSeconds: number;
  /** per-workflow overrides, already capped by operator settings */
  resources?: { cpu?: string; memory?: string };
  runtimeClassName?: string;
}

/** Why a run ended without the executor finishing it normally. */
export type RunFailureReason =
  | 'ExecutorCrashed'
  | 'OOMKilled'
  | 'DeadlineExceeded'
  | 'Evicted'
  | 'ImagePullBackOff'
  | 'Unschedulable'
  | 'PodLost'
  | 'LaunchFailed'
  | 'Cancelled';

export type RunOutcome =
  /** the executor exited 0: it wrote its own terminal status */
  | { kind: 'exited'; exitCode: 0 }
  | { kind: 'failed'; reason: RunFailureReason; message: string; exitCode?: number };

export interface LaunchedRun {
  /** Job name or process id, stored as the execution's runner */
  readonly runner: string;
  /** settles exactly once, when the run has ended; never rejects */
  readonly done: Promise<RunOutcome>;
  /** stop the run (delete the Job / SIGTERM the process); idempotent */
  cancel(): Promise<void>;
}

export interface Launcher {
  /**
   * Runs outlive the dispatcher that launched them (Jobs do, child processes
   * do not): a stopping dispatcher leaves them for another replica to attach
   * to instead of handing their attempts back for a retry.
   */
  readonly detachedRuns?: boolean;
  /** Start this attempt. Idempotent per (executionId, attempt): a second call adopts the first run. */
  launch(request: LaunchRequest): Promise<LaunchedRun>;
  /** Re-attach to a run started by an earlier dispatcher process, if it still exists. */
  attach(executionId: string, attempt: number): Promise<LaunchedRun | undefined>;
  close(): Promise<void>;
}
