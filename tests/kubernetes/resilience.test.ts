import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Unavailable } from '@flow-like/core';
import { waitFor } from '@flow-like/testing/waitFor';
import { FAST_RETRIES, NAMESPACE, runRequest, startLauncherHarness, type LauncherHarness } from './harness.js';

describe('Kubernetes launcher when the API server misbehaves', () => {
  let harness: LauncherHarness;

  beforeAll(async () => {
    harness = await startLauncherHarness();
  });
  afterAll(async () => {
    harness?.sim.faults.reset();
    await harness?.close();
  });

  const jobCreates = (since: number) => harness.sim.requests().filter((r, i) => i >= since && r.method === 'POST' && r.path.endsWith('/jobs'));

  it('a silently dead watch cannot strand a run: the periodic reconcile sees it end', async () => {
    const launcher = harness.launcher({ instanceName: 'stalled', reconcileIntervalMs: 300 });
    const request = runRequest('gate');
    const run = await launcher.launch(request);
    await waitFor(() => harness.sim.pods(NAMESPACE).some((pod) => pod.metadata.labels?.['job-name'] === run.runner && pod.status?.phase === 'Running'), {
      message: 'the pod to run',
    });
    harness.sim.faults.stallWatches(true);
    try {
      const stalledAt = harness.sim.requests().length;
      await harness.release(request.executionId);
      await expect(run.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
      const later = harness.sim.requests().slice(stalledAt);
      expect(later.some((r) => r.method === 'GET' && r.path.endsWith('/jobs') && r.query['watch'] === undefined)).toBe(true);
    } finally {
      harness.sim.faults.stallWatches(false);
    }
  });

  it('re-watches after dropped watches and re-lists after 410 Gone, without a reconcile', async () => {
    const launcher = harness.launcher({ instanceName: 'dropped' });
    const first = runRequest('gate');
    const run = await launcher.launch(first);
    harness.sim.faults.expireWatchHistory();
    harness.sim.faults.dropWatches();
    await harness.release(first.executionId);
    await expect(run.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
    const second = await launcher.launch(runRequest('exit-3'));
    await expect(second.done).resolves.toMatchObject({ kind: 'failed', reason: 'ExecutorCrashed' });
  });

  it('restarts a watch the API server refuses, with backoff, and keeps following the run', async () => {
    const launcher = harness.launcher({ instanceName: 'refused' });
    const request = runRequest('gate');
    const run = await launcher.launch(request);
    await waitFor(() => harness.sim.pods(NAMESPACE).some((pod) => pod.metadata.labels?.['job-name'] === run.runner && pod.status?.phase === 'Running'), {
      message: 'the pod to run',
    });
    const since = harness.sim.requests().length;
    // every open launcher of this file watches Jobs: enough failures that each of them meets several
    harness.sim.faults.failRequests({ status: 500, count: 16, method: 'GET', pathIncludes: '/jobs' });
    harness.sim.faults.dropWatches();
    const ownJobWatch = (r: { path: string; query: Record<string, string> }) => r.path.endsWith('/jobs') && (r.query['labelSelector'] ?? '').includes('instance=refused');
    await waitFor(() => harness.sim.requests().slice(since).some((r) => ownJobWatch(r) && r.query['watch'] === 'true' && r.status === 200), {
      message: 'the Job watch to be back',
    });
    await harness.release(request.executionId);
    await expect(run.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
    const refused = harness.sim.requests().slice(since).filter((r) => ownJobWatch(r) && r.status === 500);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < refused.length; i++) expect(refused[i]!.at - refused[i - 1]!.at).toBeGreaterThanOrEqual(40);
  });

  it('retries a throttled create after Retry-After instead of failing or hammering', async () => {
    const launcher = harness.launcher({ instanceName: 'throttled' });
    const since = harness.sim.requests().length;
    harness.sim.faults.failRequests({ status: 429, count: 2, method: 'POST', pathIncludes: '/jobs', retryAfterSeconds: 1 });
    const run = await launcher.launch(runRequest('exit-0'));
    const tries = jobCreates(since);
    expect(tries.map((r) => r.status)).toEqual([429, 429, 201]);
    for (let i = 1; i < tries.length; i++) expect(tries[i]!.at - tries[i - 1]!.at).toBeGreaterThanOrEqual(950);
    await expect(run.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });
  });

  it('retries server errors, then gives up with Unavailable after a bounded number of tries', async () => {
    const launcher = harness.launcher({ instanceName: 'erroring' });
    let since = harness.sim.requests().length;
    harness.sim.faults.failRequests({ status: 500, count: 2, method: 'POST', pathIncludes: '/jobs' });
    const run = await launcher.launch(runRequest('exit-0'));
    expect(jobCreates(since).map((r) => r.status)).toEqual([500, 500, 201]);
    await expect(run.done).resolves.toEqual({ kind: 'exited', exitCode: 0 });

    since = harness.sim.requests().length;
    harness.sim.faults.failRequests({ status: 503, count: 100, method: 'POST', pathIncludes: '/jobs' });
    await expect(launcher.launch(runRequest('exit-0'))).rejects.toBeInstanceOf(Unavailable);
    expect(jobCreates(since)).toHaveLength(FAST_RETRIES.retry!.maxAttempts);
    harness.sim.faults.reset();
  });

  it('a cancel whose delete never got through can be tried again', async () => {
    const launcher = harness.launcher({ instanceName: 'cancel-retry' });
    const run = await launcher.launch(runRequest('gate'));
    harness.sim.faults.failRequests({ status: 503, count: 100, method: 'DELETE', pathIncludes: '/jobs' });
    await expect(run.cancel()).rejects.toBeInstanceOf(Unavailable);
    harness.sim.faults.reset();
    expect(harness.sim.jobs(NAMESPACE).some((job) => job.metadata.name === run.runner)).toBe(true);
    await run.cancel();
    await expect(run.done).resolves.toMatchObject({ kind: 'failed', reason: 'Cancelled' });
    expect(harness.sim.jobs(NAMESPACE).some((job) => job.metadata.name === run.runner)).toBe(false);
  });

  it('spaces Job creation by the configured QPS once the burst is spent', async () => {
    const launcher = harness.launcher({ instanceName: 'limited', api: { qps: 5, burst: 2 } });
    await launcher.attach(runRequest('exit-0').executionId, 1);
    const since = harness.sim.requests().length;
    const runs = await Promise.all(Array.from({ length: 6 }, () => launcher.launch(runRequest('exit-0'))));
    const creates = jobCreates(since);
    expect(creates).toHaveLength(6);
    // two from the burst, then one every 200 ms
    expect(creates[5]!.at - creates[0]!.at).toBeGreaterThanOrEqual(750);
    await Promise.all(runs.map((run) => run.done));
  });

  it('an executor that exits 1 at once is a crash, not a lost pod, when the Job watch tells of the failure before the pod watch', async () => {
    // stalled from before the launcher starts, so its pod watch never delivers this run's pod at all
    harness.sim.faults.stallWatches(true, 'pods');
    try {
      const launcher = harness.launcher({ instanceName: 'pod-watch-behind' });
      const run = await launcher.launch(runRequest('exit-1'));
      await expect(run.done).resolves.toMatchObject({ kind: 'failed', reason: 'ExecutorCrashed', exitCode: 1 });
    } finally {
      harness.sim.faults.stallWatches(false, 'pods');
    }
  });
});
