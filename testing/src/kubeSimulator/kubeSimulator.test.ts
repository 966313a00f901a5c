import { ApiException, BatchV1Api, CoreV1Api, makeInformer, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../waitFor.js';
import { startKubeSimulator, type KubeSimulator } from './index.js';

const NS = 'sim-test';

function jobManifest(name: string, script: string, extra: { memoryLimit?: string; deadline?: number; ttl?: number; labels?: Record<string, string> } = {}): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { suite: 'simulator', ...extra.labels } },
    spec: {
      backoffLimit: 0,
      ...(extra.deadline !== undefined ? { activeDeadlineSeconds: extra.deadline } : {}),
      ...(extra.ttl !== undefined ? { ttlSecondsAfterFinished: extra.ttl } : {}),
      template: {
        metadata: { labels: { suite: 'simulator', ...extra.labels } },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: 'example/runner:1',
              command: ['node', '-e', script],
              env: [
                { name: 'PLAIN', value: 'plain-value' },
                { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
              ],
              ...(extra.memoryLimit ? { resources: { limits: { memory: extra.memoryLimit } } } : {}),
            },
          ],
        },
      },
    },
  };
}

function condition(job: V1Job | undefined, type: string) {
  return job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

describe('Kubernetes API simulator', () => {
  let sim: KubeSimulator;
  let batch: BatchV1Api;
  let core: CoreV1Api;

  beforeAll(async () => {
    sim = await startKubeSimulator({ bookmarkIntervalMs: 200 });
    const config = sim.kubeConfig();
    batch = config.makeApiClient(BatchV1Api);
    core = config.makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'creds' }, stringData: { token: 's3cr3t' } } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('runs a Job command as a process with plain and Secret env, and completes the Job', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: jobManifest('hello', 'console.log(process.env.PLAIN, process.env.FROM_SECRET)') });
    const done = await waitFor(async () => condition(await batch.readNamespacedJob({ namespace: NS, name: 'hello' }), 'Complete'), { message: 'Job hello to complete' });
    expect(done.status).toBe('True');
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=hello' });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0] as V1Pod;
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.reason).toBe('Completed');
    const log = await core.readNamespacedPodLog({ namespace: NS, name: pod.metadata?.name ?? '' });
    expect(log).toContain('plain-value s3cr3t');
  });

  it('answers 404 and 409 with Status bodies', async () => {
    const missing = await batch.readNamespacedJob({ namespace: NS, name: 'nope' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiException);
    expect((missing as ApiException<string>).code).toBe(404);
    expect(JSON.parse((missing as ApiException<string>).body)).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    const clash = await batch.createNamespacedJob({ namespace: NS, body: jobManifest('hello', '') }).catch((e: unknown) => e);
    expect((clash as ApiException<string>).code).toBe(409);
    expect(JSON.parse((clash as ApiException<string>).body)).toMatchObject({ reason: 'AlreadyExists', code: 409 });
  });

  it('pages lists by label selector with limit and continue', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await batch.createNamespacedJob({ namespace: NS, body: jobManifest(name, '', { labels: { paged: 'yes' } }) });
    }
    const first = await batch.listNamespacedJob({ namespace: NS, labelSelector: 'paged in (yes),suite', limit: 2 });
    expect(first.items.map((j) => j.metadata?.name)).toEqual(['page-a', 'page-b']);
    expect(first.metadata?._continue).toBeTruthy();
    const second = await batch.listNamespacedJob({ namespace: NS, labelSelector: 'paged=yes', limit: 2, _continue: first.metadata?._continue ?? '' });
    expect(second.items.map((j) => j.metadata?.name)).toEqual(['page-c']);
    expect(second.metadata?._continue).toBeFalsy();
    const none = await batch.listNamespacedJob({ namespace: NS, labelSelector: 'paged!=yes,!nothing' });
    expect(none.items.map((j) => j.metadata?.name)).toContain('hello');
  });

  it('streams changes to an informer and re-lists after the history expired', async () => {
    const config = sim.kubeConfig();
    const informer = makeInformer<V1Job>(config, `/apis/batch/v1/namespaces/${NS}/jobs`, () => batch.listNamespacedJob({ namespace: NS, labelSelector: 'watched=yes' }), 'watched=yes');
    const seen = new Set<string>();
    informer.on('add', (job) => seen.add(job.metadata?.name ?? ''));
    informer.on('update', (job) => seen.add(job.metadata?.name ?? ''));
    await informer.start();
    try {
      await batch.createNamespacedJob({ namespace: NS, body: jobManifest('watched-1', '', { labels: { watched: 'yes' } }) });
      await waitFor(() => seen.has('watched-1'), { message: 'informer to see watched-1' });
      sim.faults.expireWatchHistory();
      sim.faults.dropWatches();
      await batch.createNamespacedJob({ namespace: NS, body: jobManifest('watched-2', '', { labels: { watched: 'yes' } }) });
      await waitFor(() => seen.has('watched-2'), { message: 'informer to see watched-2 after a 410 re-list' });
      expect(sim.requests().some((r) => r.query['watch'] === 'true' && r.query['resourceVersion'] !== undefined)).toBe(true);
    } finally {
      await informer.stop();
    }
  });

  it('kills a process over its memory limit as OOMKilled', async () => {
    const hog = 'const a=[];for(;;){a.push(Buffer.alloc(8*1024*1024,1));}';
    await batch.createNamespacedJob({ namespace: NS, body: jobManifest('hog', hog, { memoryLimit: '96Mi' }) });
    await waitFor(async () => condition(await batch.readNamespacedJob({ namespace: NS, name: 'hog' }), 'Failed'), { message: 'Job hog to fail' });
    const pod = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=hog' })).items[0];
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('fails a Job past its activeDeadlineSeconds and deletes its pod', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: jobManifest('slow', 'setTimeout(() => {}, 60000)', { deadline: 1 }) });
    const failed = await waitFor(async () => condition(await batch.readNamespacedJob({ namespace: NS, name: 'slow' }), 'Failed'), { message: 'deadline' });
    expect(failed.reason).toBe('DeadlineExceeded');
    await waitFor(async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=slow' })).items.length === 0, { message: 'pod deleted' });
  });

  it('deletes a finished Job after ttlSecondsAfterFinished', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: jobManifest('short-lived', '', { ttl: 1 }) });
    await waitFor(async () => condition(await batch.readNamespacedJob({ namespace: NS, name: 'short-lived' }), 'Complete'), { message: 'Job to complete' });
    await waitFor(() => !sim.jobs(NS).some((j) => j.metadata.name === 'short-lived'), { message: 'TTL to delete the Job' });
  });

  it('deletes pods with the Job under background propagation and keeps them when orphaned', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: jobManifest('bg', 'setTimeout(() => {}, 60000)') });
    await batch.createNamespacedJob({ namespace: NS, body: jobManifest('orphan', 'setTimeout(() => {}, 60000)') });
    await waitFor(() => sim.pods(NS).filter((p) => ['bg', 'orphan'].includes(p.metadata.labels?.['job-name'] ?? '') && p.status?.phase === 'Running').length === 2, {
      message: 'both pods running',
    });
    await batch.deleteNamespacedJob({ namespace: NS, name: 'bg', propagationPolicy: 'Background' });
    await batch.deleteNamespacedJob({ namespace: NS, name: 'orphan' });
    await waitFor(() => !sim.pods(NS).some((p) => p.metadata.labels?.['job-name'] === 'bg'), { message: 'bg pod gone' });
    const orphan = sim.pods(NS).find((p) => p.metadata.labels?.['job-name'] === 'orphan');
    expect(orphan?.status?.phase).toBe('Running');
    expect(orphan?.metadata.ownerReferences).toEqual([]);
  });

  it('answers injected 429s with Retry-After before serving again', async () => {
    sim.faults.failRequests({ status: 429, count: 1, method: 'GET', retryAfterSeconds: 2 });
    const throttled = await batch.listNamespacedJob({ namespace: NS }).catch((e: unknown) => e);
    expect((throttled as ApiException<string>).code).toBe(429);
    expect((throttled as ApiException<string>).headers['retry-after']).toBe('2');
    await expect(batch.listNamespacedJob({ namespace: NS })).resolves.toBeTruthy();
  });
  const podOf = (jobName: string) => sim.pods(NS).find((p) => p.metadata.labels?.['job-name'] === jobName);
  const runningPod = (jobName: string) => waitFor(() => (podOf(jobName)?.status?.phase === 'Running' ? podOf(jobName) : undefined), { message: `${jobName} to run` });

  it('answers injected 500s and 503s with Status bodies, then serves again', async () => {
    sim.faults.failRequests({ status: 500, count: 1, method: 'GET', pathIncludes: '/jobs' });
    sim.faults.failRequests({ status: 503, count: 1, method: 'GET', pathIncludes: '/jobs' });
    const first = (await batch.listNamespacedJob({ namespace: NS }).catch((e: unknown) => e)) as ApiException<string>;
    const second = (await batch.listNamespacedJob({ namespace: NS }).catch((e: unknown) => e)) as ApiException<string>;
    expect([first.code, second.code]).toEqual([500, 503]);
    expect(JSON.parse(first.body)).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    expect(JSON.parse(second.body)).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    await expect(batch.listNamespacedJob({ namespace: NS })).resolves.toBeTruthy();
  });

  it('evicts a running pod: Failed with reason Evicted, and the Job fails', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: jobManifest('evicted', 'setInterval(() => {}, 1000)') });
    await runningPod('evicted');
    expect(sim.faults.evictPod('evicted')).toBe(true);
    await waitFor(async () => condition(await batch.readNamespacedJob({ namespace: NS, name: 'evicted' }), 'Failed'), { message: 'Job evicted to fail' });
    expect(podOf('evicted')?.status).toMatchObject({ phase: 'Failed', reason: 'Evicted' });
  });

  it('loses the node under a pod: the pod vanishes and the Job fails', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: jobManifest('lost', 'setInterval(() => {}, 1000)') });
    await runningPod('lost');
    expect(sim.faults.loseNode('lost')).toBe(true);
    expect(podOf('lost')).toBeUndefined();
    const failed = await waitFor(async () => condition(await batch.readNamespacedJob({ namespace: NS, name: 'lost' }), 'Failed'), { message: 'Job lost to fail' });
    expect(failed.reason).toBe('BackoffLimitExceeded');
  });

  it('fails image pulls with ErrImagePull, then ImagePullBackOff', async () => {
    const manifest = jobManifest('no-image', '');
    manifest.spec!.template.spec!.containers[0]!.image = 'example/missing:1';
    sim.faults.failImagePull('example/missing:1');
    await batch.createNamespacedJob({ namespace: NS, body: manifest });
    const waitingReason = () => podOf('no-image')?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    await waitFor(() => waitingReason() === 'ErrImagePull', { message: 'ErrImagePull' });
    await waitFor(() => waitingReason() === 'ImagePullBackOff', { message: 'ImagePullBackOff' });
    expect(podOf('no-image')?.status?.phase).toBe('Pending');
  });

  it('keeps pods Pending as Unschedulable while the fault is on', async () => {
    sim.faults.setUnschedulable(true);
    try {
      await batch.createNamespacedJob({ namespace: NS, body: jobManifest('nowhere', '') });
      const scheduled = await waitFor(() => podOf('nowhere')?.status?.conditions?.find((c) => c.type === 'PodScheduled'), { message: 'a PodScheduled condition' });
      expect(scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable' });
      expect(podOf('nowhere')?.spec.nodeName).toBeUndefined();
    } finally {
      sim.faults.setUnschedulable(false);
    }
  });

  it('drops open watches, which the client sees end and can resume from its resourceVersion', async () => {
    const config = sim.kubeConfig();
    const informer = makeInformer<V1Job>(config, `/apis/batch/v1/namespaces/${NS}/jobs`, () => batch.listNamespacedJob({ namespace: NS, labelSelector: 'dropped=yes' }), 'dropped=yes');
    const seen = new Set<string>();
    informer.on('add', (job) => seen.add(job.metadata?.name ?? ''));
    await informer.start();
    try {
      const before = sim.requests().filter((r) => r.query['watch'] === 'true').length;
      sim.faults.dropWatches();
      await batch.createNamespacedJob({ namespace: NS, body: jobManifest('dropped-1', '', { labels: { dropped: 'yes' } }) });
      await waitFor(() => seen.has('dropped-1'), { message: 'informer to see dropped-1 after re-watching' });
      expect(sim.requests().filter((r) => r.query['watch'] === 'true').length).toBeGreaterThan(before);
    } finally {
      await informer.stop();
    }
  });

  it('stalls only the pod watches when asked, while the Job watch still tells of the Job failing', async () => {
    const config = sim.kubeConfig();
    const jobs = makeInformer<V1Job>(config, `/apis/batch/v1/namespaces/${NS}/jobs`, () => batch.listNamespacedJob({ namespace: NS, labelSelector: 'lagging=yes' }), 'lagging=yes');
    const pods = makeInformer<V1Pod>(config, `/api/v1/namespaces/${NS}/pods`, () => core.listNamespacedPod({ namespace: NS, labelSelector: 'lagging=yes' }), 'lagging=yes');
    await Promise.all([jobs.start(), pods.start()]);
    sim.faults.stallWatches(true, 'pods');
    try {
      await batch.createNamespacedJob({ namespace: NS, body: jobManifest('lagging-1', 'process.exit(1)', { labels: { lagging: 'yes' } }) });
      await waitFor(() => condition(jobs.get('lagging-1', NS), 'Failed'), { message: 'the Job watch to deliver the Failed condition' });
      expect(sim.pods(NS).find((pod) => pod.metadata.labels?.['job-name'] === 'lagging-1')?.status?.phase).toBe('Failed');
      expect(pods.list(NS)).toEqual([]);
    } finally {
      sim.faults.stallWatches(false, 'pods');
      await Promise.all([jobs.stop(), pods.stop()]);
    }
  });
});
