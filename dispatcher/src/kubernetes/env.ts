import { z } from 'zod';
import { ConfigError } from '@flow-like/core';
import { isLabelKey, isLabelValue } from './labels.js';
import { isQuantity } from './quantity.js';

/**
 * The Kubernetes launcher's variables, as a shape to spread into the
 * dispatcher's env schema. Label, toleration and quantity syntax is checked
 * here so a typo fails once at start, not on every Job create.
 */
function jsonOf<T extends z.ZodType>(schema: T, example: string) {
  return z
    .string()
    .transform((value, ctx) => {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be JSON, e.g. ${example}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const quantity = (example: string) => z.string().refine(isQuantity, { message: `must be a Kubernetes quantity, e.g. ${example}` });
const seconds = z.coerce.number().positive();

const labelKey = z.string().refine(isLabelKey, { message: 'is not a valid label key' });
const labelValue = z.string().refine(isLabelValue, { message: 'is not a valid label value' });

export const tolerationSchema = z
  .object({
    key: labelKey.optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: labelValue.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .strict()
  .refine((t) => t.operator !== 'Exists' || t.value === undefined || t.value === '', { message: 'a toleration with operator Exists takes no value' })
  .refine((t) => t.key !== undefined || t.operator === 'Exists', { message: 'a toleration without key needs operator Exists' })
  .refine((t) => t.tolerationSeconds === undefined || t.effect === 'NoExecute', { message: 'tolerationSeconds needs effect NoExecute' });
export type Toleration = z.infer<typeof tolerationSchema>;

const secretName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes object name');
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key');

export const kubernetesEnv = {
  /** a kubeconfig file; without it the dispatcher uses its service account in a pod, ~/.kube/config elsewhere */
  KUBECONFIG: z.string().min(1).optional(),
  /** set by Kubernetes in every pod */
  KUBERNETES_SERVICE_HOST: z.string().min(1).optional(),
  KUBE_NAMESPACE: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name').default('default'),
  INSTANCE_NAME: labelValue.pipe(z.string().min(1)).default('flow-like'),
  EXECUTOR_IMAGE: z.string().min(1).optional(),
  EXECUTOR_IMAGE_PULL_POLICY: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  EXECUTOR_COMMAND: jsonOf(z.array(z.string()).min(1), '["node","executor/dist/main.js"]').default(['node', 'executor/dist/main.js']),
  EXECUTOR_RUNTIME_CLASS: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a RuntimeClass name').optional(),
  EXECUTOR_CPU_REQUEST: quantity('100m').default('100m'),
  EXECUTOR_MEMORY_REQUEST: quantity('128Mi').default('128Mi'),
  EXECUTOR_CPU_LIMIT: quantity('1').default('1'),
  EXECUTOR_MEMORY_LIMIT: quantity('512Mi').default('512Mi'),
  EXECUTOR_MAX_CPU: quantity('4').default('4'),
  EXECUTOR_MAX_MEMORY: quantity('4Gi').default('4Gi'),
  EXECUTOR_NODE_SELECTOR: jsonOf(z.record(labelKey, labelValue), '{"kubernetes.io/os":"linux"}').default({}),
  EXECUTOR_TOLERATIONS: jsonOf(z.array(tolerationSchema), '[{"key":"dedicated","operator":"Equal","value":"flow-like","effect":"NoSchedule"}]').default([]),
  EXECUTOR_PRIORITY_CLASS: z.string().min(1).optional(),
  EXECUTOR_IMAGE_PULL_SECRETS: z
    .string()
    .transform((value) => value.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .pipe(z.array(secretName))
    .default([]),
  EXECUTOR_TTL_SECONDS: z.coerce.number().int().min(0).default(3600),
  EXECUTOR_DATABASE_SECRET_NAME: secretName.optional(),
  EXECUTOR_DATABASE_SECRET_KEY: secretKey.default('DATABASE_URL'),
  EXECUTOR_S3_SECRET_NAME: secretName.optional(),
  EXECUTOR_S3_ACCESS_KEY_ID_KEY: secretKey.default('access-key-id'),
  EXECUTOR_S3_SECRET_ACCESS_KEY_KEY: secretKey.default('secret-access-key'),
  KUBE_API_QPS: seconds.default(20),
  KUBE_API_BURST: z.coerce.number().int().positive().default(40),
  KUBE_RECONCILE_INTERVAL_SECONDS: seconds.default(30),
  KUBE_IMAGE_PULL_GRACE_SECONDS: z.coerce.number().min(0).default(60),
  KUBE_UNSCHEDULABLE_TIMEOUT_SECONDS: z.coerce.number().min(0).default(300),
};

const kubernetesEnvSchema = z.object(kubernetesEnv);
export type KubernetesEnv = z.infer<typeof kubernetesEnvSchema>;

export interface KubernetesLauncherConfig {
  namespace: string;
  instanceName: string;
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  command: string[];
  runtimeClassName?: string;
  resources: {
    cpuRequest: string;
    memoryRequest: string;
    cpuLimit: string;
    memoryLimit: string;
    /** the ceiling of any per-workflow override */
    maxCpu: string;
    maxMemory: string;
  };
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  priorityClassName?: string;
  imagePullSecrets: string[];
  ttlSecondsAfterFinished: number;
  /** how long the executor may flush after SIGTERM */
  terminationGracePeriodSeconds: number;
  databaseSecret: { name: string; key: string };
  /** absent when the executor gets S3 credentials from its environment (e.g. workload identity) */
  s3Secret?: { name: string; accessKeyIdKey: string; secretAccessKeyKey: string };
  /** non-secret executor settings (S3 endpoint/region/buckets, QUEUE_PREFIX, LOG_LEVEL), passed as plain values */
  executorEnv: Record<string, string>;
  api: { qps: number; burst: number };
  reconcileIntervalMs: number;
  imagePullGraceMs: number;
  unschedulableTimeoutMs: number;
}

const REQUIRED_WITH_KUBERNETES = ['EXECUTOR_IMAGE', 'EXECUTOR_DATABASE_SECRET_NAME'] as const;

/** For the dispatcher's `superRefine` when LAUNCHER=kubernetes: the variables that have no default. */
export function checkKubernetesEnv(env: Partial<KubernetesEnv>, ctx: z.RefinementCtx): void {
  for (const name of REQUIRED_WITH_KUBERNETES) {
    if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when LAUNCHER=kubernetes' });
  }
}

export function kubernetesLauncherConfigFrom(env: KubernetesEnv, executorEnv: Record<string, string>): KubernetesLauncherConfig {
  const missing = REQUIRED_WITH_KUBERNETES.filter((name) => !env[name]);
  if (!env.EXECUTOR_IMAGE || !env.EXECUTOR_DATABASE_SECRET_NAME) {
    throw new ConfigError(missing.map((name) => `${name}: is required when LAUNCHER=kubernetes`));
  }
  return {
    namespace: env.KUBE_NAMESPACE,
    instanceName: env.INSTANCE_NAME,
    image: env.EXECUTOR_IMAGE,
    imagePullPolicy: env.EXECUTOR_IMAGE_PULL_POLICY,
    command: env.EXECUTOR_COMMAND,
    ...(env.EXECUTOR_RUNTIME_CLASS ? { runtimeClassName: env.EXECUTOR_RUNTIME_CLASS } : {}),
    resources: {
      cpuRequest: env.EXECUTOR_CPU_REQUEST,
      memoryRequest: env.EXECUTOR_MEMORY_REQUEST,
      cpuLimit: env.EXECUTOR_CPU_LIMIT,
      memoryLimit: env.EXECUTOR_MEMORY_LIMIT,
      maxCpu: env.EXECUTOR_MAX_CPU,
      maxMemory: env.EXECUTOR_MAX_MEMORY,
    },
    nodeSelector: env.EXECUTOR_NODE_SELECTOR,
    tolerations: env.EXECUTOR_TOLERATIONS,
    ...(env.EXECUTOR_PRIORITY_CLASS ? { priorityClassName: env.EXECUTOR_PRIORITY_CLASS } : {}),
    imagePullSecrets: env.EXECUTOR_IMAGE_PULL_SECRETS,
    ttlSecondsAfterFinished: env.EXECUTOR_TTL_SECONDS,
    terminationGracePeriodSeconds: 30,
    databaseSecret: { name: env.EXECUTOR_DATABASE_SECRET_NAME, key: env.EXECUTOR_DATABASE_SECRET_KEY },
    ...(env.EXECUTOR_S3_SECRET_NAME
      ? {
          s3Secret: {
            name: env.EXECUTOR_S3_SECRET_NAME,
            accessKeyIdKey: env.EXECUTOR_S3_ACCESS_KEY_ID_KEY,
            secretAccessKeyKey: env.EXECUTOR_S3_SECRET_ACCESS_KEY_KEY,
          },
        }
      : {}),
    executorEnv,
    api: { qps: env.KUBE_API_QPS, burst: env.KUBE_API_BURST },
    reconcileIntervalMs: env.KUBE_RECONCILE_INTERVAL_SECONDS * 1000,
    imagePullGraceMs: env.KUBE_IMAGE_PULL_GRACE_SECONDS * 1000,
    unschedulableTimeoutMs: env.KUBE_UNSCHEDULABLE_TIMEOUT_SECONDS * 1000,
  };
}
