import { startKubeSimulator, type KubeSimulator } from '@flow-like/testing/kubeSimulator/index';
import type { TestEnv } from '@flow-like/testing/testEnv';
import { EXECUTOR_COMMAND, REPO_ROOT } from '../support/system.js';

export const CLUSTER_NAMESPACE = 'flow-like';
export const EXECUTOR_IMAGE = 'ghcr.io/flow-like/flow-like:test';

export interface SimulatedCluster {
  sim: KubeSimulator;
  /** what a dispatcher needs to launch executors into the simulator */
  dispatcherEnv: Record<string, string>;
}

/**
 * The Kubernetes API simulator with the executor's Secrets for `env`, whose
 * kubelet runs the real executor, and the dispatcher settings that launch
 * into it (tests add their own timings).
 */
export async function startSimulatedCluster(env: TestEnv): Promise<SimulatedCluster> {
  // the simulated kubelet gives pods nothing of this process's environment but PATH
  const sim = await startKubeSimulator({ cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  sim.createSecret(CLUSTER_NAMESPACE, 'flow-like-db', { DATABASE_URL: env.databaseUrl });
  sim.createSecret(CLUSTER_NAMESPACE, 'flow-like-s3', { 'access-key-id': env.s3.accessKeyId, 'secret-access-key': env.s3.secretAccessKey });
  return {
    sim,
    dispatcherEnv: {
      LAUNCHER: 'kubernetes',
      KUBECONFIG: sim.kubeconfigPath,
      KUBE_NAMESPACE: CLUSTER_NAMESPACE,
      EXECUTOR_IMAGE,
      EXECUTOR_COMMAND: JSON.stringify(EXECUTOR_COMMAND),
      EXECUTOR_DATABASE_SECRET_NAME: 'flow-like-db',
      EXECUTOR_S3_SECRET_NAME: 'flow-like-s3',
    },
  };
}
