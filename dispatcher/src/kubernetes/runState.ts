import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { RunOutcome } from '../launcher.js';

/**
 * What one attempt's Job and pods say about the run, decided from the
 * objects alone. A `stuck` run has not failed yet: it becomes a failure only
 * after the launcher has seen it stuck for a grace period, because image pulls
 * and scheduling often recover by themselves. A run to `recheckPods` has a
 * failed Job whose pods, as seen so far, do not say why: Jobs and pods come
 * through separate watches with no order between them, so the pod's failure
 * may simply not have arrived yet, and only pods read after the Job was seen
 * failed can tell a crash from a pod that is gone.
 */
export type StuckReason = 'ImagePullBackOff' | 'Unschedulable' | 'LaunchFailed';

export type RunState =
  | { kind: 'pending' }
  | { kind: 'stuck'; reason: StuckReason; message: string }
  | { kind: 'recheckPods' }
  | { kind: 'ended'; outcome: RunOutcome };

export interface RunView {
  /** undefined: the Job is known to be gone */
  job: V1Job | undefined;
  pods: V1Pod[];
  /** this launcher deleted the Job */
  cancelled: boolean;
  /** `pods` were read from the API server after the Job was seen failed, so a failed pod missing from them is gone */
  podsReadAfterJobFailed: boolean;
}

const PENDING: RunState = { kind: 'pending' };
const RECHECK_PODS: RunState = { kind: 'recheckPods' };
const IMAGE_PULL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_WAITING = new Set(['CreateContainerConfigError', 'CreateContainerError']);

const ended = (outcome: RunOutcome): RunState => ({ kind: 'ended', outcome });
const failed = (reason: Extract<RunOutcome, { kind: 'failed' }>['reason'], message: string, exitCode?: number): RunState =>
  ended({ kind: 'failed', reason, message, ...(exitCode === undefined ? {} : { exitCode }) });

function condition(job: V1Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** The failure a finished pod reports, if it failed. */
export function podFailure(pod: V1Pod): RunState | undefined {
  if (pod.status?.phase !== 'Failed') return undefined;
  if (pod.status.reason === 'Evicted') return failed('Evicted', `the pod was evicted: ${pod.status.message ?? 'no message'}`.trim());
  const terminated = pod.status.containerStatuses?.[0]?.state?.terminated;
  if (!terminated) return failed('ExecutorCrashed', `the pod failed: ${pod.status.reason ?? ''} ${pod.status.message ?? ''}`.trim());
  if (terminated.reason === 'OOMKilled') return failed('OOMKilled', 'the executor was killed for exceeding its memory limit', terminated.exitCode);
  const detail = [terminated.reason, terminated.message].filter(Boolean).join(': ');
  return failed('ExecutorCrashed', `the executor exited with code ${terminated.exitCode}${detail ? ` (${detail})` : ''}`, terminated.exitCode);
}

function stuckState(pod: V1Pod): RunState | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { kind: 'stuck', reason: 'Unschedulable', message: `the pod cannot be scheduled: ${scheduled.message ?? 'no message'}` };
  }
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason && IMAGE_PULL_WAITING.has(waiting.reason)) {
    return { kind: 'stuck', reason: 'ImagePullBackOff', message: `the executor image cannot be pulled (${waiting.reason}): ${waiting.message ?? 'no message'}` };
  }
  if (waiting?.reason && CONFIG_WAITING.has(waiting.reason)) {
    return { kind: 'stuck', reason: 'LaunchFailed', message: `the executor container cannot be created (${waiting.reason}): ${waiting.message ?? 'no message'}` };
  }
  return undefined;
}

export function readRunState({ job, pods, cancelled, podsReadAfterJobFailed }: RunView): RunState {
  if (!job) {
    if (cancelled) return pods.length === 0 ? failed('Cancelled', 'the run was cancelled') : PENDING;
    return failed('PodLost', 'the Job was deleted before it finished');
  }
  if (condition(job, 'Complete')) return ended({ kind: 'exited', exitCode: 0 });
  const jobFailed = condition(job, 'Failed');
  const podFailed = pods.map(podFailure).find((state) => state !== undefined);
  if (jobFailed) {
    if (jobFailed.reason === 'DeadlineExceeded') {
      return failed('DeadlineExceeded', `the run exceeded its deadline of ${job.spec?.activeDeadlineSeconds ?? '?'}s`);
    }
    if (podFailed) return podFailed;
    if (cancelled) return failed('Cancelled', 'the run was cancelled');
    if (!podsReadAfterJobFailed) return RECHECK_PODS;
    return failed('PodLost', `the pod of this run vanished (${jobFailed.reason ?? 'Failed'}: ${jobFailed.message ?? 'no message'})`);
  }
  if (podFailed) return podFailed;
  if (cancelled) return PENDING;
  return pods.map(stuckState).find((state) => state !== undefined) ?? PENDING;
}
