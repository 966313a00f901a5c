import { BatchV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conflict } from '@flow-like/core';
import { buildJobManifest } from '@flow-like/dispatcher/kubernetes/jobManifest';
import { jobNameFor } from '@flow-like/dispatcher/kubernetes/labels';
import { waitFor } from '@flow-like/testing/waitFor';
import { jobNamed, NAMESPACE, runRequest, startLauncherHarness, type LauncherHarness } from './harness.js';

describe('Kubernetes launcher across dispatcher restarts', () => {
  let harness: LauncherHarness;

  beforeAll(async () => {
    harness = await startLauncherHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  const jobsOf = (executionId: string) => harness.sim.jobs(NAMESPACE).filter((job) => job.metadata.labels?.['flow-like.io/execution-id'] === executionId);
  const creates = (name: string) => harness.sim.requests().filter((r) => r.method === 'POST' && (r.body as { metadata?: { name?: string } })?.metadata?.name === name);

  it('a restarted dispatcher re-attaches to the running Job by label and creates none twice', async () => {
    const request = runRequest('gate');
    const before = harness.launcher();
    const started = await before.launch(request);
    await waitFor(() => harness.sim.pods(NAMESPACE).some((pod) => pod.metadata.labels?.['job-name'] === started.runner && pod.status?.phase === 'Running'), {
      message: 'the pod to run',
    });
    const uid = jobNamed(harness.sim, started.runner)?.metadata?.uid;
    await before.close();

    const after = harness.launcher();
    const attached = await after.attach(request.executionId, request.attempt);
    expect(attached?.runner).toBe(started.runner);
    const relaunched = await after.launch(request);
    expect(relaunched).toBe(attached);
    expect(jobsOf(request.executionId)).toHaveLength(1);
    expect(jobNamed(harness.sim, started.runner)?.metadata?.uid).toBe(uid);
    expect(creates(started.runner)).toHaveLength(1);

    await harness.release(request.executionId);
    await expect(attached?.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
  });

  it('a restarted dispatcher that launches again adopts the existing Job after a 409', async () => {
    const request = runRequest('gate');
    const before = harness.launcher();
    const started = await before.launch(request);
    await before.close();

    const after = harness.launcher();
    const adopted = await after.launch(request);
    expect(adopted.runner).toBe(started.runner);
    expect(jobsOf(request.executionId)).toHaveLength(1);
    expect(creates(started.runner).map((r) => r.status)).toEqual([201, 409]);
    await harness.release(request.executionId);
    await expect(adopted.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
  });

  it('re-attaching to a Job that finished while no dispatcher watched reports how it ended', async () => {
    const request = runRequest('exit-3');
    const before = harness.launcher();
    const started = await before.launch(request);
    await before.close();
    await waitFor(() => jobNamed(harness.sim, started.runner)?.status?.conditions?.some((c) => c.type === 'Failed'), { message: 'the Job to fail' });

    const attached = await harness.launcher().attach(request.executionId, request.attempt);
    await expect(attached?.done).resolves.toMatchObject({ kind: 'failed', reason: 'ExecutorCrashed', exitCode: 3 });
  });

  it('finds nothing to attach to for an attempt that has no Job', async () => {
    await expect(harness.launcher().attach(runRequest('exit-0').executionId, 1)).resolves.toBeUndefined();
  });

  it('refuses to adopt a Job with the same name that belongs to another execution', async () => {
    const request = runRequest('exit-0');
    const foreign = buildJobManifest({ ...request, executionId: 'another-execution' }, harness.config());
    foreign.metadata = { ...foreign.metadata, name: jobNameFor(request.executionId, request.attempt) };
    const batch = harness.sim.kubeConfig().makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({ namespace: NAMESPACE, body: foreign });

    const launcher = harness.launcher();
    const error = await launcher.launch(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Conflict);
    expect((error as Error).message).toContain('another-execution');
    expect(jobNamed(harness.sim, foreign.metadata.name ?? '')?.metadata?.labels?.['flow-like.io/execution-id']).toBe('another-execution');
    await expect(launcher.attach(request.executionId, request.attempt)).resolves.toBeUndefined();
  });
});
