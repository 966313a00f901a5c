import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Launcher, RunOutcome } from '@flow-like/dispatcher/launcher';
import { jobNameFor } from '@flow-like/dispatcher/kubernetes/labels';
import { waitFor } from '@flow-like/testing/waitFor';
import { IMAGE, jobNamed, NAMESPACE, runRequest, startLauncherHarness, validateCreatedJobs, type LauncherHarness } from './harness.js';

const failure = (reason: string) => expect.objectContaining({ kind: 'failed', reason });

describe('Kubernetes launcher against the simulator', () => {
  let harness: LauncherHarness;
  let launcher: Launcher;

  beforeAll(async () => {
    harness = await startLauncherHarness();
    launcher = harness.launcher();
  });
  afterAll(async () => {
    await harness?.close();
  });

  const podOf = (jobName: string) => harness.sim.pods(NAMESPACE).find((pod) => pod.metadata.labels?.['job-name'] === jobName);
  const waitForRunningPod = (jobName: string) =>
    waitFor(() => podOf(jobName)?.status?.phase === 'Running', { message: `pod of ${jobName} to run` });

  it('reports a Job that completed as the executor exiting 0', async () => {
    const request = runRequest('exit-0');
    const run = await launcher.launch(request);
    expect(run.runner).toBe(jobNameFor(request.executionId, 1));
    await expect(run.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
    expect(jobNamed(harness.sim, run.runner)?.metadata?.labels).toMatchObject({ 'flow-like.io/execution-id': request.executionId, 'flow-like.io/attempt': '1' });
  });

  it('reports a crashing executor with its exit code', async () => {
    const run = await launcher.launch(runRequest('exit-3'));
    const outcome = await run.done;
    expect(outcome).toMatchObject({ kind: 'failed', reason: 'ExecutorCrashed', exitCode: 3 });
  });

  it('maps a container killed over its memory limit to OOMKilled', async () => {
    const run = await launcher.launch(runRequest('hog', { resources: { memory: '128Mi' } }));
    await expect(run.done).resolves.toEqual(failure('OOMKilled'));
  });

  it('maps a Job past its activeDeadlineSeconds to DeadlineExceeded', async () => {
    const run = await launcher.launch(runRequest('gate', { timeoutSeconds: 1 }));
    await expect(run.done).resolves.toEqual(failure('DeadlineExceeded'));
  });

  it('maps an evicted pod to Evicted', async () => {
    const run = await launcher.launch(runRequest('gate'));
    await waitForRunningPod(run.runner);
    expect(harness.sim.faults.evictPod(run.runner)).toBe(true);
    const outcome = await run.done;
    expect(outcome).toEqual(failure('Evicted'));
    expect((outcome as Extract<RunOutcome, { kind: 'failed' }>).message).toContain('low on resource');
  });

  it('maps a pod that vanished with its node to PodLost', async () => {
    const run = await launcher.launch(runRequest('gate'));
    await waitForRunningPod(run.runner);
    expect(harness.sim.faults.loseNode(run.runner)).toBe(true);
    await expect(run.done).resolves.toEqual(failure('PodLost'));
  });

  it('fails an image that cannot be pulled only after the grace, and deletes its Job', async () => {
    const image = 'registry.example/flow-like/missing:1';
    harness.sim.faults.failImagePull(image);
    const pulling = harness.launcher({ instanceName: 'image-pull', image, imagePullGraceMs: 1_500 });
    const run = await pulling.launch(runRequest('exit-0'));
    let settled = false;
    void run.done.then(() => (settled = true));
    // the simulator moves from ErrImagePull to ImagePullBackOff well within the grace
    await waitFor(() => podOf(run.runner)?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff', { message: 'the back-off' });
    expect(settled).toBe(false);
    expect(jobNamed(harness.sim, run.runner)).toBeDefined();
    await expect(run.done).resolves.toEqual(failure('ImagePullBackOff'));
    expect(jobNamed(harness.sim, run.runner)).toBeUndefined();
  });

  it('fails an unschedulable pod after the configured wait, and deletes its Job', async () => {
    harness.sim.faults.setUnschedulable(true);
    try {
      const waiting = harness.launcher({ instanceName: 'unschedulable', unschedulableTimeoutMs: 500 });
      const run = await waiting.launch(runRequest('exit-0'));
      const outcome = await run.done;
      expect(outcome).toEqual(failure('Unschedulable'));
      expect((outcome as Extract<RunOutcome, { kind: 'failed' }>).message).toContain('Insufficient cpu');
      expect(jobNamed(harness.sim, run.runner)).toBeUndefined();
    } finally {
      harness.sim.faults.setUnschedulable(false);
    }
  });

  it('fails a pod whose Secret is missing as a launch failure after the grace', async () => {
    const broken = harness.launcher({ instanceName: 'missing-secret', databaseSecret: { name: 'no-such-secret', key: 'DATABASE_URL' }, imagePullGraceMs: 300 });
    const run = await broken.launch(runRequest('exit-0'));
    const outcome = await run.done;
    expect(outcome).toEqual(failure('LaunchFailed'));
    expect((outcome as Extract<RunOutcome, { kind: 'failed' }>).message).toContain('no-such-secret');
  });

  it('a create the API server refuses for good is a launch failure, not retried', async () => {
    const since = harness.sim.requests().length;
    harness.sim.faults.failRequests({ status: 403, count: 1, method: 'POST', pathIncludes: '/jobs' });
    const run = await launcher.launch(runRequest('exit-0'));
    const outcome = await run.done;
    expect(outcome).toEqual(failure('LaunchFailed'));
    expect((outcome as Extract<RunOutcome, { kind: 'failed' }>).message).toContain('403');
    expect(harness.sim.requests().slice(since).filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'))).toHaveLength(1);
    expect(jobNamed(harness.sim, run.runner)).toBeUndefined();
  });

  it('cancels by deleting the Job with background propagation, settling once the pod is gone', async () => {
    const run = await launcher.launch(runRequest('gate'));
    await waitForRunningPod(run.runner);
    await run.cancel();
    await expect(run.done).resolves.toEqual(failure('Cancelled'));
    expect(jobNamed(harness.sim, run.runner)).toBeUndefined();
    expect(podOf(run.runner)).toBeUndefined();
    const deletes = harness.sim.requests().filter((r) => r.method === 'DELETE' && r.path.endsWith(`/jobs/${run.runner}`));
    expect(deletes.map((r) => r.query['propagationPolicy'])).toEqual(['Background']);
    await run.cancel();
  });

  it('launching the same attempt twice gives the same run and one Job', async () => {
    const request = runRequest('gate');
    const [first, second] = await Promise.all([launcher.launch(request), launcher.launch(request)]);
    expect(second.runner).toBe(first.runner);
    expect(harness.sim.jobs(NAMESPACE).filter((job) => job.metadata.name === first.runner)).toHaveLength(1);
    await harness.release(request.executionId);
    await expect(first.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
    await expect(second.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
  });

  it('sent only manifests that pass the batch/v1 OpenAPI schema', () => {
    expect(validateCreatedJobs(harness.sim)).toBeGreaterThanOrEqual(10);
  });
});
