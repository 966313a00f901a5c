import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import { Job } from 'kubernetes-models/batch/v1';
import { pino } from 'pino';
import type { LaunchRequest, Launcher } from '@flow-like/dispatcher/launcher';
import type { KubernetesLauncherConfig } from '@flow-like/dispatcher/kubernetes/env';
import { createKubernetesLauncher, type KubernetesLauncherOptions } from '@flow-like/dispatcher/kubernetes/kubernetesLauncher';
import { startKubeSimulator, type KubeSimulator } from '@flow-like/testing/kubeSimulator/index';

export const NAMESPACE = 'flow-like';
export const IMAGE = 'ghcr.io/flow-like/executor:test';

/**
 * A stand-in executor for launcher tests. What it does is chosen by the
 * run's PROJECT_ID, which the Job passes to the pod: the launcher must not
 * care what runs inside.
 */
const FAKE_EXECUTOR = `
const fs = require('node:fs');
const release = require('node:path').join(process.env.RELEASE_DIR, process.env.EXECUTION_ID);
const behaviour = process.env.PROJECT_ID;
if (!process.env.DATABASE_URL || !process.env.S3_ACCESS_KEY_ID) { console.error('credentials missing'); process.exit(9); }
if (behaviour === 'exit-0') process.exit(0);
if (behaviour === 'exit-1') process.exit(1);
if (behaviour === 'exit-3') { console.error('workflow runtime blew up'); process.exit(3); }
if (behaviour === 'hog') { const hold = []; setInterval(() => hold.push(Buffer.alloc(16 * 1024 * 1024, 1)), 10); }
if (behaviour === 'gate') setInterval(() => { if (fs.existsSync(release)) process.exit(0); }, 20);
`;

export type Behaviour = 'exit-0' | 'exit-1' | 'exit-3' | 'hog' | 'gate';

export interface LauncherHarness {
  sim: KubeSimulator;
  releaseDir: string;
  config(overrides?: Partial<KubernetesLauncherConfig>): KubernetesLauncherConfig;
  launcher(overrides?: Partial<KubernetesLauncherConfig>, options?: KubernetesLauncherOptions): Launcher;
  /** let a `gate` run exit 0 */
  release(executionId: string): Promise<void>;
  close(): Promise<void>;
}

export const FAST_RETRIES: KubernetesLauncherOptions = {
  retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 },
  watchRestartDelayMs: { initial: 50, max: 500 },
};

export async function startLauncherHarness(): Promise<LauncherHarness> {
  const sim = await startKubeSimulator({ bookmarkIntervalMs: 200 });
  sim.createSecret(NAMESPACE, 'flow-like-db', { DATABASE_URL: 'postgres://executor:secret@127.0.0.1:5432/flow' });
  sim.createSecret(NAMESPACE, 'flow-like-s3', { 'access-key-id': 'AKIDTEST', 'secret-access-key': 'secret' });
  const releaseDir = await mkdtemp(join(tmpdir(), 'kube-launcher-'));
  const launchers: Launcher[] = [];
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const config = (overrides: Partial<KubernetesLauncherConfig> = {}): KubernetesLauncherConfig => ({
    namespace: NAMESPACE,
    instanceName: 'flow-like',
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    command: [process.execPath, '-e', FAKE_EXECUTOR],
    resources: { cpuRequest: '100m', memoryRequest: '64Mi', cpuLimit: '1', memoryLimit: '512Mi', maxCpu: '2', maxMemory: '1Gi' },
    nodeSelector: {},
    tolerations: [],
    imagePullSecrets: [],
    ttlSecondsAfterFinished: 3600,
    terminationGracePeriodSeconds: 2,
    databaseSecret: { name: 'flow-like-db', key: 'DATABASE_URL' },
    s3Secret: { name: 'flow-like-s3', accessKeyIdKey: 'access-key-id', secretAccessKeyKey: 'secret-access-key' },
    executorEnv: { RELEASE_DIR: releaseDir, LOG_LEVEL: 'info' },
    api: { qps: 100, burst: 100 },
    reconcileIntervalMs: 60_000,
    imagePullGraceMs: 60_000,
    unschedulableTimeoutMs: 60_000,
    ...overrides,
  });
  return {
    sim,
    releaseDir,
    config,
    launcher(overrides, options = FAST_RETRIES) {
      const launcher = createKubernetesLauncher(sim.kubeConfig(), config(overrides), logger, options);
      launchers.push(launcher);
      return launcher;
    },
    release: (executionId) => writeFile(join(releaseDir, executionId), ''),
    /** also validates every Job sent during the file, so each launcher test file checks its manifests */
    async close() {
      await Promise.allSettled(launchers.map((launcher) => launcher.close()));
      try {
        validateCreatedJobs(sim);
      } finally {
        await sim.close();
        await rm(releaseDir, { recursive: true, force: true });
      }
    },
  };
}

export function runRequest(behaviour: Behaviour, overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    executionId: randomUUID(),
    attempt: 1,
    projectId: behaviour,
    workflowId: 'wf',
    workflowVersion: 1,
    timeoutSeconds: 120,
    ...overrides,
  };
}

/** Every Job the launchers sent, checked against the batch/v1 OpenAPI schema: what the API server would reject fails here. */
export function validateCreatedJobs(sim: KubeSimulator): number {
  const created = sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/jobs') && r.body !== undefined);
  for (const request of created) new Job(request.body as ConstructorParameters<typeof Job>[0]).validate();
  return created.length;
}

export function jobNamed(sim: KubeSimulator, name: string): V1Job | undefined {
  return sim.jobs(NAMESPACE).find((job) => job.metadata.name === name) as V1Job | undefined;
}
