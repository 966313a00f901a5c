import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDispatcherEnv, startDispatcherService, type DispatcherService } from '@flow-like/dispatcher';
import type { KubeSimulator } from '@flow-like/testing/kubeSimulator/index';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, REPO_ROOT, startSystem, type RunningSystem } from '../support/system.js';
import { CLUSTER_NAMESPACE as NAMESPACE, startSimulatedCluster } from './simulatedCluster.js';

describe('a dispatcher restart with the Kubernetes launcher', () => {
  let env: TestEnv;
  let sim: KubeSimulator;
  let system: RunningSystem;
  let replacement: DispatcherService | undefined;
  let key: string;
  let dispatcherEnv: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv();
    const cluster = await startSimulatedCluster(env);
    sim = cluster.sim;
    dispatcherEnv = {
      ...cluster.dispatcherEnv,
      HEARTBEAT_INTERVAL_MS: '200',
      STALE_AFTER_SECONDS: '1',
      SWEEP_INTERVAL_MS: '200',
      SHUTDOWN_GRACE_SECONDS: '0',
    };
    system = await startSystem(env, { dispatcherEnv });
    ({ key } = await createProjectKey(system, 'kube-restart'));
  });

  afterAll(async () => {
    await replacement?.close();
    await system?.close();
    await sim?.close();
    await env?.cleanup();
  });

  it('the next dispatcher re-attaches to the running Job and creates no second one', async () => {
    const registered = await system.call('/v1/workflows', { token: key, body: { name: 'long', steps: [{ id: 'wait', type: 'delay', params: { ms: 6_000 } }] } });
    const submitted = await system.call(`/v1/workflows/${registered.body.id}/executions`, { token: key, body: { input: {} } });
    expect(submitted.status).toBe(202);
    const id: string = submitted.body.id;
    const execution = async () => (await system.call(`/v1/executions/${id}`, { token: key })).body;
    await waitFor(async () => (await execution()).status === 'running', { timeoutMs: 30_000, message: `execution ${id} to run` });

    await system.dispatchers[0]!.close();
    const jobName = sim.jobs(NAMESPACE).find((job) => job.metadata.labels?.['flow-like.io/execution-id'] === id)?.metadata.name;
    expect(jobName).toBeDefined();
    const restartedAt = sim.requests().length;
    replacement = await startDispatcherService(
      readDispatcherEnv({ ...env.env, METRICS_PORT: '0', LOG_LEVEL: 'silent', ...dispatcherEnv }),
      pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      { cwd: REPO_ROOT },
    );
    await waitFor(() => sim.requests().slice(restartedAt).some((r) => r.path.endsWith('/jobs') && (r.query['labelSelector'] ?? '').includes(`flow-like.io/execution-id=${id}`)), {
      timeoutMs: 30_000,
      message: 'the new dispatcher to look for the Job by label',
    });
    const finished = await waitFor(
      async () => {
        const body = await execution();
        return ['succeeded', 'failed', 'cancelled', 'timed_out'].includes(body.status) ? body : undefined;
      },
      { timeoutMs: 30_000, message: `execution ${id} did not finish` },
    );
    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');
    expect(finished.attempt).toBe(1);
    expect(sim.jobs(NAMESPACE).filter((job) => job.metadata.labels?.['flow-like.io/execution-id'] === id)).toHaveLength(1);
    expect(sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'))).toHaveLength(1);
    expect(sim.requests().filter((r) => r.method === 'DELETE')).toEqual([]);
  });
});
