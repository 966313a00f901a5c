import type { V1Job, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { RunOutcome } from '../launcher.js';
import { manualClock } from './manualClock.test-support.js';
import { TrackedRun } from './trackedRun.js';

const createdJob: V1Job = { metadata: { name: 'fl-exec-a-1' }, spec: { backoffLimit: 0, template: {} }, status: { active: 1 } };
const failedJob: V1Job = {
  ...createdJob,
  status: { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] },
};
const pod = (status: V1PodStatus): V1Pod => ({ metadata: { name: 'fl-exec-a-1-x7k2p', labels: { 'batch.kubernetes.io/job-name': 'fl-exec-a-1' } }, status });
const running = pod({ phase: 'Running', containerStatuses: [{ name: 'executor', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } }] });
const exitedOne = pod({
  phase: 'Failed',
  containerStatuses: [{ name: 'executor', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }],
});

/** A run whose pod reads the test answers by hand. */
function trackedRun() {
  const reads: Array<{ resolve: (pods: V1Pod[]) => void; reject: (error: Error) => void }> = [];
  const errors: string[] = [];
  const run = new TrackedRun(
    {
      jobName: 'fl-exec-a-1',
      graceMs: { ImagePullBackOff: 60_000, LaunchFailed: 60_000, Unschedulable: 60_000 },
      clock: manualClock(),
      deleteJob: async () => {},
      readPods: () => new Promise((resolve, reject) => reads.push({ resolve, reject })),
      onSettled: () => {},
      onError: (_error, what) => errors.push(what),
    },
    createdJob,
    [running],
  );
  let outcome: RunOutcome | undefined;
  void run.done.then((settled) => {
    outcome = settled;
  });
  const settledTo = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return outcome;
  };
  return { run, reads, errors, settledTo };
}

describe('TrackedRun when its Job fails', () => {
  it('reads the pods again when the Job fails before the pod watch tells why, and reports the crash they show', async () => {
    const { run, reads, settledTo } = trackedRun();
    run.update({ job: failedJob });
    expect(reads).toHaveLength(1);
    expect(await settledTo()).toBeUndefined();
    reads[0]!.resolve([exitedOne]);
    expect(await settledTo()).toMatchObject({ kind: 'failed', reason: 'ExecutorCrashed', exitCode: 1 });
  });

  it('reads once while a read is in flight, and the pod watch catching up settles the run first', async () => {
    const { run, reads, settledTo } = trackedRun();
    run.update({ job: failedJob });
    run.update({ pods: [running] });
    expect(reads).toHaveLength(1);
    run.update({ pods: [exitedOne] });
    expect(await settledTo()).toMatchObject({ kind: 'failed', reason: 'ExecutorCrashed', exitCode: 1 });
    reads[0]!.resolve([]);
    expect(await settledTo()).toMatchObject({ reason: 'ExecutorCrashed' });
  });

  it('calls the run lost only when a read after the failure finds no pod, reading again after a failed read', async () => {
    const { run, reads, errors, settledTo } = trackedRun();
    run.update({ job: failedJob });
    reads[0]!.reject(new Error('503 Service Unavailable'));
    expect(await settledTo()).toBeUndefined();
    expect(errors).toEqual(['reading the pods of a failed Job']);
    run.update({ job: failedJob, pods: [running] });
    expect(reads).toHaveLength(2);
    reads[1]!.resolve([]);
    expect(await settledTo()).toMatchObject({ kind: 'failed', reason: 'PodLost' });
  });

  it('leaves a run detached while its pods were being read unsettled', async () => {
    const { run, reads, settledTo } = trackedRun();
    run.update({ job: failedJob });
    run.detach();
    reads[0]!.resolve([exitedOne]);
    expect(await settledTo()).toBeUndefined();
  });
});
