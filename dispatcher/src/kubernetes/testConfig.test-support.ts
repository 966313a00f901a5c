import type { KubernetesLauncherConfig } from './env.js';

/** A launcher config for tests; each test overrides what it is about. */
export function testLauncherConfig(overrides: Partial<KubernetesLauncherConfig> = {}): KubernetesLauncherConfig {
  return {
    namespace: 'flow-like',
    instanceName: 'flow-like',
    image: 'ghcr.io/flow-like/executor:1.0.0',
    imagePullPolicy: 'IfNotPresent',
    command: ['node', 'executor/dist/main.js'],
    resources: { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '1', memoryLimit: '512Mi', maxCpu: '4', maxMemory: '4Gi' },
    nodeSelector: {},
    tolerations: [],
    imagePullSecrets: [],
    ttlSecondsAfterFinished: 3600,
    terminationGracePeriodSeconds: 30,
    databaseSecret: { name: 'flow-like-db', key: 'DATABASE_URL' },
    s3Secret: { name: 'flow-like-s3', accessKeyIdKey: 'access-key-id', secretAccessKeyKey: 'secret-access-key' },
    executorEnv: { S3_REGION: 'us-east-1', S3_CONTENT_BUCKET: 'content', LOG_LEVEL: 'info' },
    api: { qps: 50, burst: 100 },
    reconcileIntervalMs: 30_000,
    imagePullGraceMs: 60_000,
    unschedulableTimeoutMs: 300_000,
    ...overrides,
  };
}
