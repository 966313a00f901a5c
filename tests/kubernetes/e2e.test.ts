import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, listStatusHistory, type DatabaseHandle } from '@flow-like/db';
import type { KubeSimulator } from '@flow-like/testing/kubeSimulator/index';
import { createTestEnv, testS3Client, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';
import { CLUSTER_NAMESPACE as NAMESPACE, EXECUTOR_IMAGE, startSimulatedCluster } from './simulatedCluster.js';

const ENDED = ['succeeded', 'failed', 'cancelled', 'timed_out'];
const greeting = {
  name: 'greeting',
  inputSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  steps: [{ id: 'greet', type: 'transform', params: { expression: '"Hello, " & input.name & "!"' } }],
  output: '{ "message": steps.greet.output }',
};

describe('one execution through the Kubernetes launcher, end to end', () => {
  let env: TestEnv;
  let sim: KubeSimulator;
  let system: RunningSystem;
  let database: DatabaseHandle;
  let key: string;

  beforeAll(async () => {
    env = await createTestEnv();
    const cluster = await startSimulatedCluster(env);
    sim = cluster.sim;
    system = await startSystem(env, {
      dispatcherEnv: {
        ...cluster.dispatcherEnv,
        KUBE_RECONCILE_INTERVAL_SECONDS: '2',
        KUBE_IMAGE_PULL_GRACE_SECONDS: '0.5',
      },
    });
    database = createDatabase(env.databaseUrl);
    ({ key } = await createProjectKey(system, 'kube-e2e'));
  });

  afterAll(async () => {
    await system?.close();
    await sim?.close();
    await database?.close();
    await env?.cleanup();
  });

  const submit = async (workflow: unknown, input: unknown = {}): Promise<string> => {
    const registered = await system.call('/v1/workflows', { token: key, body: workflow });
    expect(registered.status).toBe(201);
    const submitted = await system.call(`/v1/workflows/${registered.body.id}/executions`, { token: key, body: { input } });
    expect(submitted.status).toBe(202);
    return submitted.body.id;
  };
  const execution = async (id: string) => (await system.call(`/v1/executions/${id}`, { token: key })).body;
  const jobsOf = (id: string) => sim.jobs(NAMESPACE).filter((job) => job.metadata.labels?.['flow-like.io/execution-id'] === id);

  it('runs a submitted execution as a Job to succeeded, with its result in S3', async () => {
    const id = await submit(greeting, { name: 'Kube' });
    const finished = await waitFor(
      async () => {
        const body = await execution(id);
        return ENDED.includes(body.status) ? body : undefined;
      },
      { timeoutMs: 45_000, message: `execution ${id} did not finish` },
    );
    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');

    const jobs = jobsOf(id);
    expect(jobs).toHaveLength(1);
    // the executor records its ending before its process exits
    const pod = await waitFor(() => sim.pods(NAMESPACE).find((p) => p.metadata.labels?.['job-name'] === jobs[0]?.metadata.name && p.status?.phase === 'Succeeded'), {
      message: 'the executor pod to succeed',
    });
    const env0 = pod?.spec.containers[0]?.env ?? [];
    expect(env0.find((e) => e.name === 'DATABASE_URL')).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'flow-like-db', key: 'DATABASE_URL' } } });
    expect(env0.some((e) => e.value === env.s3.secretAccessKey || e.value === env.databaseUrl)).toBe(false);

    const s3 = testS3Client(env.s3);
    const stored = await s3.send(new GetObjectCommand({ Bucket: env.s3.contentBucket, Key: `executions/${id}/1/result.json` }));
    expect(JSON.parse(await stored.Body!.transformToString())).toEqual({ output: { message: 'Hello, Kube!' } });
    s3.destroy();

    const history = await listStatusHistory(database.db, id);
    expect(history.map((h) => h.to)).toEqual(['queued', 'dispatching', 'starting', 'running', 'succeeded']);
  });

  it('cancelling a running execution deletes its Job and stops its pod', async () => {
    const id = await submit({ name: 'slow', steps: [{ id: 'wait', type: 'delay', params: { ms: 600_000 } }] });
    await waitFor(async () => (await execution(id)).status === 'running', { timeoutMs: 30_000, message: `execution ${id} to run` });
    const jobName = jobsOf(id)[0]?.metadata.name;
    expect(jobName).toBeDefined();

    const cancelled = await system.call(`/v1/executions/${id}/cancel`, { method: 'POST', token: key });
    expect(cancelled.status).toBe(200);
    await waitFor(() => jobsOf(id).length === 0 && !sim.pods(NAMESPACE).some((p) => p.metadata.labels?.['job-name'] === jobName), {
      timeoutMs: 30_000,
      message: 'the Job and its pod to be gone',
    });
    expect(sim.requests().some((r) => r.method === 'DELETE' && r.path.endsWith(`/jobs/${jobName}`) && r.query['propagationPolicy'] === 'Background')).toBe(true);
    expect((await execution(id)).status).toBe('cancelled');
  });

  it('an executor image that cannot be pulled fails the execution with that reason', async () => {
    sim.faults.failImagePull(EXECUTOR_IMAGE);
    try {
      const id = await submit({ name: 'unpullable', steps: [{ id: 'wait', type: 'delay', params: { ms: 1 } }] });
      const finished = await waitFor(
        async () => {
          const body = await execution(id);
          return ENDED.includes(body.status) ? body : undefined;
        },
        { timeoutMs: 30_000, message: `execution ${id} did not finish` },
      );
      expect(finished.status).toBe('failed');
      expect(JSON.stringify(finished.error)).toContain('ImagePullBackOff');
      expect(jobsOf(id)).toHaveLength(0);
    } finally {
      sim.faults.reset();
    }
  });
});
