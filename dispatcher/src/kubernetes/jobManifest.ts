import type { V1EnvVar, V1Job, V1ResourceRequirements } from '@kubernetes/client-node';
import type { LaunchRequest } from '../launcher.js';
import type { KubernetesLauncherConfig } from './env.js';
import { ANNOTATIONS, jobNameFor, runLabels } from './labels.js';
import { isQuantity, minQuantity } from './quantity.js';

export const EXECUTOR_CONTAINER = 'executor';
/** The image's own non-root user and group (deploy/docker/Dockerfile), so files it owns stay readable. */
export const EXECUTOR_USER_ID = 10001;
const TMP_VOLUME = 'tmp';

/** Variables the manifest sets itself; an `executorEnv` entry cannot override them. */
const RESERVED_ENV = new Set(['EXECUTION_ID', 'EXECUTION_ATTEMPT', 'PROJECT_ID', 'DATABASE_URL', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'TMPDIR']);

/** Per-workflow overrides set the limits, never above the operator's ceiling; requests never exceed limits. */
export function resourcesFor(request: Pick<LaunchRequest, 'resources'>, settings: KubernetesLauncherConfig['resources']): V1ResourceRequirements {
  const wanted = (override: string | undefined, fallback: string) => (override !== undefined && isQuantity(override) ? override : fallback);
  const cpuLimit = minQuantity(wanted(request.resources?.cpu, settings.cpuLimit), settings.maxCpu);
  const memoryLimit = minQuantity(wanted(request.resources?.memory, settings.memoryLimit), settings.maxMemory);
  return {
    requests: { cpu: minQuantity(settings.cpuRequest, cpuLimit), memory: minQuantity(settings.memoryRequest, memoryLimit) },
    limits: { cpu: cpuLimit, memory: memoryLimit },
  };
}

function executorEnv(request: LaunchRequest, config: KubernetesLauncherConfig): V1EnvVar[] {
  const plain = Object.entries(config.executorEnv)
    .filter(([name]) => !RESERVED_ENV.has(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
  const fromSecret = (name: string, secret: string, key: string): V1EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
  return [
    ...plain,
    { name: 'EXECUTION_ID', value: request.executionId },
    { name: 'EXECUTION_ATTEMPT', value: String(request.attempt) },
    { name: 'PROJECT_ID', value: request.projectId },
    { name: 'TMPDIR', value: '/tmp' },
    fromSecret('DATABASE_URL', config.databaseSecret.name, config.databaseSecret.key),
    ...(config.s3Secret
      ? [
          fromSecret('S3_ACCESS_KEY_ID', config.s3Secret.name, config.s3Secret.accessKeyIdKey),
          fromSecret('S3_SECRET_ACCESS_KEY', config.s3Secret.name, config.s3Secret.secretAccessKeyKey),
        ]
      : []),
  ];
}

/**
 * The Job for one execution attempt. Kubernetes never retries it
 * (`backoffLimit: 0`): retries are the dispatcher's, as a new attempt with a
 * new Job. Credentials come from Secret references, never inline values.
 */
export function buildJobManifest(request: LaunchRequest, config: KubernetesLauncherConfig): V1Job {
  const labels = runLabels(config.instanceName, request);
  const annotations = { [ANNOTATIONS.executionId]: request.executionId, [ANNOTATIONS.project]: request.projectId };
  const runtimeClassName = request.runtimeClassName ?? config.runtimeClassName;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobNameFor(request.executionId, request.attempt), namespace: config.namespace, labels, annotations },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      activeDeadlineSeconds: request.timeoutSeconds,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: config.terminationGracePeriodSeconds,
          ...(runtimeClassName ? { runtimeClassName } : {}),
          ...(config.priorityClassName ? { priorityClassName: config.priorityClassName } : {}),
          ...(Object.keys(config.nodeSelector).length > 0 ? { nodeSelector: { ...config.nodeSelector } } : {}),
          ...(config.tolerations.length > 0 ? { tolerations: config.tolerations.map((t) => ({ ...t })) } : {}),
          ...(config.imagePullSecrets.length > 0 ? { imagePullSecrets: config.imagePullSecrets.map((name) => ({ name })) } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: EXECUTOR_USER_ID,
            runAsGroup: EXECUTOR_USER_ID,
            fsGroup: EXECUTOR_USER_ID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: EXECUTOR_CONTAINER,
              image: config.image,
              imagePullPolicy: config.imagePullPolicy,
              command: [...config.command],
              env: executorEnv(request, config),
              resources: resourcesFor(request, config.resources),
              securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }],
            },
          ],
          // the root filesystem is read-only; the executor writes scratch files here
          volumes: [{ name: TMP_VOLUME, emptyDir: { sizeLimit: '1Gi' } }],
        },
      },
    },
  };
}
