import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSimulator } from '@flow-like/testing/kubeSimulator/index';
import { createTestEnv, type TestEnv } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, startSystem, type RunningSystem } from '../support/system.js';
import { CLUSTER_NAMESPACE as NAMESPACE, startSimulatedCluster } from './simulatedCluster.js';

const ENDED = ['succeeded', 'failed', 'cancelled', 'timed_out'];

/**
 * The executor records its own ending a moment before its pod exits, and the
 * dispatcher's heartbeat reads that ending while the Job is still running.
 * That must not count as a reason to stop the run: the finished Job is kept
 * for its TTL. Stalled watches stretch that moment until the next reconcile.
 */
describe('a run that ended on its own with the Kubernetes launcher', () => {
  let env: TestEnv;
  let sim: KubeSimulator;
  let system: RunningSystem;
  let key: string;

  beforeAll(async () => {
    env = await createTestEnv();
    const cluster = await startSimulatedCluster(env);
    sim = cluster.sim;
    system = await startSystem(env, {
      dispatcherEnv: {
        ...cluster.dispatcherEnv,
        HEARTBEAT_INTERVAL_MS: '100',
        KUBE_RECONCILE_INTERVAL_SECONDS: '3',
      },
    });
    ({ key } = await createProjectKey(system, 'kube-finished'));
  });

  afterAll(async () => {
    sim?.faults.stallWatches(false);
    await system?.close();
    await sim?.close();
    await env?.cleanup();
  });

  const heldAttempts = async (): Promise<number> => {
    const metrics = await (await fetch(`http://127.0.0.1:${system.dispatchers[0]!.statusPort}/metrics`)).text();
    const match = /^flow_like_dispatcher_held_attempts (\d+)$/m.exec(metrics);
    if (!match) throw new Error('the dispatcher exports no flow_like_dispatcher_held_attempts');
    return Number(match[1]);
  };

  it('keeps the finished Job when the heartbeat reads the ending before the watch does', async () => {
    const registered = await system.call('/v1/workflows', { token: key, body: { name: 'short', steps: [{ id: 'wait', type: 'delay', params: { ms: 1_000 } }] } });
    const submitted = await system.call(`/v1/workflows/${registered.body.id}/executions`, { token: key, body: { input: {} } });
    expect(submitted.status).toBe(202);
    const id: string = submitted.body.id;
    const execution = async () => (await system.call(`/v1/executions/${id}`, { token: key })).body;
    await waitFor(async () => (await execution()).status === 'running', { timeoutMs: 30_000, message: `execution ${id} to run` });

    sim.faults.stallWatches(true);
    const finished = await waitFor(
      async () => {
        const body = await execution();
        return ENDED.includes(body.status) ? body : undefined;
      },
      { timeoutMs: 30_000, message: `execution ${id} to finish` },
    );
    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');
    // only a reconcile list can tell the dispatcher how the Job ended; heartbeats run all along
    await waitFor(async () => (await heldAttempts()) === 0, { timeoutMs: 30_000, message: 'the dispatcher to let go of the attempt' });

    const jobs = sim.jobs(NAMESPACE).filter((job) => job.metadata.labels?.['flow-like.io/execution-id'] === id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status?.conditions?.map((c) => c.type)).toEqual(['Complete']);
    expect(sim.requests().filter((r) => r.method === 'DELETE')).toEqual([]);
  });
});
