import type { V1Job, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { readRunState, type RunState } from './runState.js';

const job = (conditions: Array<{ type: string; reason?: string; message?: string }> = []): V1Job => ({
  metadata: { name: 'fl-exec-a-1' },
  spec: { activeDeadlineSeconds: 60, template: {} },
  status: { conditions: conditions.map((c) => ({ status: 'True', ...c })) },
});
const pod = (status: V1PodStatus): V1Pod => ({ metadata: { name: 'fl-exec-a-1-x' }, status });
const terminated = (exitCode: number, reason: string): V1PodStatus => ({
  phase: 'Failed',
  containerStatuses: [{ name: 'executor', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason } } }],
});
const waiting = (reason: string): V1PodStatus => ({
  phase: 'Pending',
  containerStatuses: [{ name: 'executor', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message: 'details' } } }],
});
const unschedulable: V1PodStatus = {
  phase: 'Pending',
  conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }],
};

const failedWith = (reason: string, exitCode?: number) => ({ kind: 'ended', outcome: expect.objectContaining({ kind: 'failed', reason, ...(exitCode === undefined ? {} : { exitCode }) }) });

const cases: Array<{
  name: string;
  view: { job: V1Job | undefined; pods: V1Pod[]; cancelled?: boolean; podsReadAfterJobFailed?: boolean };
  expected: RunState | ReturnType<typeof failedWith>;
}> = [
  { name: 'a Job just created is pending', view: { job: job(), pods: [] }, expected: { kind: 'pending' } },
  { name: 'a running pod is pending', view: { job: job(), pods: [pod({ phase: 'Running' })] }, expected: { kind: 'pending' } },
  { name: 'Complete means the executor exited 0', view: { job: job([{ type: 'Complete' }]), pods: [] }, expected: { kind: 'ended', outcome: { kind: 'exited', exitCode: 0 } } },
  { name: 'Failed with DeadlineExceeded is a timeout', view: { job: job([{ type: 'Failed', reason: 'DeadlineExceeded' }]), pods: [] }, expected: failedWith('DeadlineExceeded') },
  { name: 'an OOMKilled container', view: { job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pods: [pod(terminated(137, 'OOMKilled'))] }, expected: failedWith('OOMKilled', 137) },
  { name: 'an OOMKilled container decides before the Job condition arrives', view: { job: job(), pods: [pod(terminated(137, 'OOMKilled'))] }, expected: failedWith('OOMKilled', 137) },
  {
    name: 'an evicted pod',
    view: { job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pods: [pod({ ...terminated(137, 'Error'), reason: 'Evicted', message: 'low on memory' })] },
    expected: failedWith('Evicted'),
  },
  { name: 'a crashing executor keeps its exit code', view: { job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pods: [pod(terminated(3, 'Error'))] }, expected: failedWith('ExecutorCrashed', 3) },
  {
    name: 'a failed Job without any pod read since it failed lost its pod',
    view: { job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pods: [], podsReadAfterJobFailed: true },
    expected: failedWith('PodLost'),
  },
  {
    name: 'a failed Job whose pod is still running as watched needs its pods read again',
    view: { job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pods: [pod({ phase: 'Running' })] },
    expected: { kind: 'recheckPods' },
  },
  { name: 'a failed Job whose pod was never watched needs its pods read again', view: { job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pods: [] }, expected: { kind: 'recheckPods' } },
  {
    name: 'a failed Job whose pod read since still runs lost it',
    view: { job: job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]), pods: [pod({ phase: 'Running' })], podsReadAfterJobFailed: true },
    expected: failedWith('PodLost'),
  },
  { name: 'a Job deleted by someone else', view: { job: undefined, pods: [] }, expected: failedWith('PodLost') },
  { name: 'a cancelled Job whose pod is still stopping', view: { job: undefined, pods: [pod({ phase: 'Running' })], cancelled: true }, expected: { kind: 'pending' } },
  { name: 'a cancelled Job once its pod is gone', view: { job: undefined, pods: [], cancelled: true }, expected: failedWith('Cancelled') },
  { name: 'ErrImagePull is stuck, not failed', view: { job: job(), pods: [pod(waiting('ErrImagePull'))] }, expected: { kind: 'stuck', reason: 'ImagePullBackOff', message: expect.stringContaining('ErrImagePull') } },
  { name: 'ImagePullBackOff is stuck', view: { job: job(), pods: [pod(waiting('ImagePullBackOff'))] }, expected: { kind: 'stuck', reason: 'ImagePullBackOff', message: expect.any(String) } },
  { name: 'a missing Secret is stuck as a launch failure', view: { job: job(), pods: [pod(waiting('CreateContainerConfigError'))] }, expected: { kind: 'stuck', reason: 'LaunchFailed', message: expect.any(String) } },
  { name: 'an unschedulable pod is stuck', view: { job: job(), pods: [pod(unschedulable)] }, expected: { kind: 'stuck', reason: 'Unschedulable', message: expect.stringContaining('0/3 nodes') } },
  { name: 'a stuck pod of a cancelled run is just waiting for deletion', view: { job: job(), pods: [pod(unschedulable)], cancelled: true }, expected: { kind: 'pending' } },
];

describe('readRunState', () => {
  it.each(cases)('$name', ({ view, expected }) => {
    expect(readRunState({ cancelled: false, podsReadAfterJobFailed: false, ...view })).toEqual(expected);
  });
});

/** A Job and its pod as the API server returns them after the executor exited 1 right after it started. */
const failedJob: V1Job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'fl-exec-0b3e-1', namespace: 'flow-like', uid: '5f0c', resourceVersion: '4127', labels: { 'flow-like.io/attempt': '1' } },
  spec: { backoffLimit: 0, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 3600, template: {} },
  status: {
    startTime: new Date('2026-11-27T23:00:00Z'),
    failed: 1,
    active: 0,
    conditions: [
      { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
    ],
  },
};
const podOfFailedJob = (status: V1PodStatus): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'fl-exec-0b3e-1-x7k2p', namespace: 'flow-like', labels: { 'batch.kubernetes.io/job-name': 'fl-exec-0b3e-1', 'job-name': 'fl-exec-0b3e-1' } },
  spec: { containers: [{ name: 'executor', image: 'ghcr.io/flow-like/flow-like:1.0.0' }], restartPolicy: 'Never' },
  status,
});
const runningStatus: V1PodStatus = {
  phase: 'Running',
  containerStatuses: [{ name: 'executor', image: 'ghcr.io/flow-like/flow-like:1.0.0', imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: new Date('2026-11-27T23:00:01Z') } } }],
};
const exitedOneStatus: V1PodStatus = {
  phase: 'Failed',
  conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }],
  containerStatuses: [
    {
      name: 'executor',
      image: 'ghcr.io/flow-like/flow-like:1.0.0',
      imageID: '',
      ready: false,
      restartCount: 0,
      started: false,
      state: { terminated: { exitCode: 1, reason: 'Error', startedAt: new Date('2026-11-27T23:00:01Z'), finishedAt: new Date('2026-11-27T23:00:01Z') } },
    },
  ],
};

describe('readRunState for an executor that exits 1 at once', () => {
  // the Job and pod watches are separate streams: the Job's Failed condition may come before the pod's failure, or before the pod at all
  it.each([
    { watchedPods: [], name: 'no pod watched yet' },
    { watchedPods: [podOfFailedJob({ phase: 'Pending' })], name: 'the pod watched as Pending' },
    { watchedPods: [podOfFailedJob(runningStatus)], name: 'the pod watched as Running' },
  ])('is a crash whatever the pod watch had delivered ($name)', ({ watchedPods }) => {
    expect(readRunState({ job: failedJob, pods: watchedPods, cancelled: false, podsReadAfterJobFailed: false })).toEqual({ kind: 'recheckPods' });
    expect(readRunState({ job: failedJob, pods: [podOfFailedJob(exitedOneStatus)], cancelled: false, podsReadAfterJobFailed: true })).toEqual(
      failedWith('ExecutorCrashed', 1),
    );
  });

  it('is a crash as soon as the pod watch has delivered the failure', () => {
    expect(readRunState({ job: failedJob, pods: [podOfFailedJob(exitedOneStatus)], cancelled: false, podsReadAfterJobFailed: false })).toEqual(
      failedWith('ExecutorCrashed', 1),
    );
  });

  it('is a lost pod only when the pods read after the failure no longer hold it', () => {
    expect(readRunState({ job: failedJob, pods: [], cancelled: false, podsReadAfterJobFailed: true })).toEqual(failedWith('PodLost'));
  });
});
