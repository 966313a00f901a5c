import type { V1Job } from '@kubernetes/client-node';
import { Job } from 'kubernetes-models/batch/v1';
import { describe, expect, it } from 'vitest';
import type { LaunchRequest } from '../launcher.js';
import type { KubernetesLauncherConfig } from './env.js';
import { buildJobManifest } from './jobManifest.js';
import { isLabelKey, isLabelValue, jobNameFor } from './labels.js';
import { testLauncherConfig } from './testConfig.test-support.js';

const request: LaunchRequest = {
  executionId: '0190a3c2-7d1e-7a4b-9c3d-2f6e8a1b5c4d',
  attempt: 1,
  projectId: 'proj_alpha',
  workflowId: 'wf-1',
  workflowVersion: 3,
  timeoutSeconds: 900,
};

const container = (job: V1Job) => job.spec?.template.spec?.containers[0];
const podSpec = (job: V1Job) => job.spec?.template.spec;

/** The OpenAPI schema of batch/v1 Job: a manifest the API server would reject fails here. */
function validateAgainstSchema(job: V1Job): void {
  new Job(JSON.parse(JSON.stringify(job)) as ConstructorParameters<typeof Job>[0]).validate();
}

const cases: Array<{ name: string; request?: Partial<LaunchRequest>; config?: Partial<KubernetesLauncherConfig>; check: (job: V1Job) => void }> = [
  {
    name: 'defaults: no Kubernetes retries, deadline from the timeout, finished Jobs kept for the TTL',
    check: (job) => {
      expect(job.metadata?.name).toBe('fl-exec-0190a3c27d1e7a4b9c3d2f6e8a1b5c4d-1');
      expect(job.metadata?.namespace).toBe('flow-like');
      expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 3600, completions: 1, parallelism: 1 });
      expect(podSpec(job)).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false });
      expect(podSpec(job)?.runtimeClassName).toBeUndefined();
      expect(container(job)?.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    },
  },
  {
    name: 'labels: app.kubernetes.io/* plus execution id, project and attempt, on the Job and its pods',
    check: (job) => {
      const expected = {
        'app.kubernetes.io/name': 'flow-like',
        'app.kubernetes.io/instance': 'flow-like',
        'app.kubernetes.io/component': 'executor',
        'app.kubernetes.io/managed-by': 'flow-like-dispatcher',
        'flow-like.io/execution-id': request.executionId,
        'flow-like.io/project': 'proj_alpha',
        'flow-like.io/attempt': '1',
      };
      expect(job.metadata?.labels).toEqual(expected);
      expect(job.spec?.template.metadata?.labels).toEqual(expected);
    },
  },
  {
    name: 'restricted security context: non-root, read-only root with a writable /tmp, no escalation, no capabilities, RuntimeDefault seccomp',
    check: (job) => {
      expect(podSpec(job)?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container(job)?.securityContext).toEqual({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container(job)?.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(podSpec(job)?.volumes?.[0]).toMatchObject({ name: 'tmp', emptyDir: {} });
    },
  },
  {
    name: 'credentials come from Secret references, never inline values',
    check: (job) => {
      const env = container(job)?.env ?? [];
      expect(env.find((e) => e.name === 'DATABASE_URL')).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'flow-like-db', key: 'DATABASE_URL' } } });
      expect(env.find((e) => e.name === 'S3_ACCESS_KEY_ID')?.valueFrom?.secretKeyRef).toEqual({ name: 'flow-like-s3', key: 'access-key-id' });
      expect(env.find((e) => e.name === 'S3_SECRET_ACCESS_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'flow-like-s3', key: 'secret-access-key' });
      for (const secretName of ['DATABASE_URL', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) {
        expect(env.find((e) => e.name === secretName)?.value).toBeUndefined();
      }
      expect(env.filter((e) => ['EXECUTION_ID', 'EXECUTION_ATTEMPT', 'PROJECT_ID'].includes(e.name)).map((e) => e.value)).toEqual([request.executionId, '1', 'proj_alpha']);
      expect(env.find((e) => e.name === 'S3_CONTENT_BUCKET')?.value).toBe('content');
    },
  },
  {
    name: 'executor settings cannot override the credentials or the attempt identity',
    config: { executorEnv: { DATABASE_URL: 'postgres://inline', EXECUTION_ID: 'other', LOG_LEVEL: 'debug' } },
    check: (job) => {
      const env = container(job)?.env ?? [];
      expect(env.filter((e) => e.name === 'DATABASE_URL')).toHaveLength(1);
      expect(env.find((e) => e.name === 'DATABASE_URL')?.value).toBeUndefined();
      expect(env.filter((e) => e.name === 'EXECUTION_ID').map((e) => e.value)).toEqual([request.executionId]);
      expect(env.find((e) => e.name === 'LOG_LEVEL')?.value).toBe('debug');
    },
  },
  {
    name: 'without an S3 Secret the executor gets no S3 credential variables',
    config: { s3Secret: undefined },
    check: (job) => {
      expect((container(job)?.env ?? []).some((e) => e.name.startsWith('S3_ACCESS') || e.name.startsWith('S3_SECRET'))).toBe(false);
    },
  },
  {
    name: 'a global runtime class applies to every Job',
    config: { runtimeClassName: 'kata' },
    check: (job) => expect(podSpec(job)?.runtimeClassName).toBe('kata'),
  },
  {
    name: "a workflow's runtime class wins over the global one",
    config: { runtimeClassName: 'kata' },
    request: { runtimeClassName: 'gvisor' },
    check: (job) => expect(podSpec(job)?.runtimeClassName).toBe('gvisor'),
  },
  {
    name: 'per-workflow resources within the ceiling set the limits',
    request: { resources: { cpu: '2', memory: '1Gi' } },
    check: (job) => expect(container(job)?.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } }),
  },
  {
    name: 'per-workflow resources above the ceiling are capped by the operator settings',
    request: { resources: { cpu: '64', memory: '100Gi' } },
    check: (job) => expect(container(job)?.resources?.limits).toEqual({ cpu: '4', memory: '4Gi' }),
  },
  {
    name: 'a limit below the default request lowers the request with it',
    request: { resources: { cpu: '50m', memory: '64Mi' } },
    check: (job) => expect(container(job)?.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '50m', memory: '64Mi' } }),
  },
  {
    name: 'an unreadable per-workflow quantity falls back to the default limit',
    request: { resources: { cpu: 'lots', memory: '1 GB' } },
    check: (job) => expect(container(job)?.resources?.limits).toEqual({ cpu: '1', memory: '512Mi' }),
  },
  {
    name: 'scheduling settings: node selector, tolerations, priority class, image pull secrets',
    config: {
      nodeSelector: { 'kubernetes.io/os': 'linux', 'flow-like.io/pool': 'executors' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'flow-like', effect: 'NoSchedule' }],
      priorityClassName: 'flow-like-executor',
      imagePullSecrets: ['registry-a', 'registry-b'],
    },
    check: (job) => {
      expect(podSpec(job)).toMatchObject({
        nodeSelector: { 'kubernetes.io/os': 'linux', 'flow-like.io/pool': 'executors' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'flow-like', effect: 'NoSchedule' }],
        priorityClassName: 'flow-like-executor',
        imagePullSecrets: [{ name: 'registry-a' }, { name: 'registry-b' }],
      });
    },
  },
  {
    name: 'a project id that is not a valid label value is made into one, and kept exactly in an annotation',
    request: { projectId: 'Project with spaces & symbols/that is far too long for a Kubernetes label value' },
    check: (job) => {
      const value = job.metadata?.labels?.['flow-like.io/project'] ?? '';
      expect(isLabelValue(value)).toBe(true);
      expect(job.metadata?.annotations?.['flow-like.io/project']).toBe('Project with spaces & symbols/that is far too long for a Kubernetes label value');
    },
  },
];

describe('buildJobManifest', () => {
  it.each(cases)('$name', ({ request: requestOverrides, config, check }) => {
    const job = buildJobManifest({ ...request, ...requestOverrides }, testLauncherConfig(config));
    check(job);
    validateAgainstSchema(job);
    for (const key of Object.keys(job.metadata?.labels ?? {})) expect(isLabelKey(key)).toBe(true);
    for (const value of Object.values(job.metadata?.labels ?? {})) expect(isLabelValue(value)).toBe(true);
  });

  it('the schema check rejects a malformed manifest, so passing it means something', () => {
    const job = buildJobManifest(request, testLauncherConfig());
    const broken = { ...job, spec: { ...job.spec, backoffLimit: 'never' } } as unknown as V1Job;
    expect(() => validateAgainstSchema(broken)).toThrow(/backoffLimit/);
  });
});

describe('jobNameFor', () => {
  const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  it.each([
    ['0190a3c2-7d1e-7a4b-9c3d-2f6e8a1b5c4d', 7],
    ['exec-with-a-really-long-identifier-that-keeps-going-and-going-and-going', 12],
    ['Mixed_Case/ID', 1],
    ['---', 2],
  ])('%s attempt %i gives a DNS-1123 name of at most 63 characters', (id, attempt) => {
    const name = jobNameFor(id, attempt);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(dns1123);
    expect(name.endsWith(`-${attempt}`)).toBe(true);
  });

  it('is the same for the same attempt and differs between attempts and executions', () => {
    const id = '0190a3c2-7d1e-7a4b-9c3d-2f6e8a1b5c4d';
    expect(jobNameFor(id, 1)).toBe(jobNameFor(id, 1));
    expect(jobNameFor(id, 1)).not.toBe(jobNameFor(id, 2));
    expect(jobNameFor('Mixed_Case/ID', 1)).not.toBe(jobNameFor('mixedcaseid', 1));
    const long = 'x'.repeat(80);
    expect(jobNameFor(`${long}a`, 1)).not.toBe(jobNameFor(`${long}b`, 1));
  });
});
