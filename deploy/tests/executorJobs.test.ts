import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatcherEnv } from '@flow-like/dispatcher/env';
import type { RunOutcome } from '@flow-like/dispatcher/launcher';
import { launcherFromEnv } from '@flow-like/dispatcher/launcherFromEnv';
import { startKubeSimulator, type KubeSimulator } from '@flow-like/testing/kubeSimulator/index';
import { secretKeyReferences } from './chartKustomizeParity.js';
import { renderScenario } from './chartRenders.js';
import { execForm, lastOf, parseDockerfile } from './dockerfile.js';
import { repoRoot } from './k8sTools.js';
import { findObject, podSpecOf, type Container, type K8sObject } from './manifests.js';
import { schemaProblems } from './openApiValidation.js';
import { policyViolations } from './policies.js';
import { describeAttributes, resourceAttributesOf, roleAllows } from './rbacRequests.js';
import { checkServiceEnv } from './serviceEnv.js';

/**
 * The dispatcher started with exactly the environment a scenario renders
 * (plus a kubeconfig for the simulator, which a pod gets from its service
 * account) launches one execution. What it sends to the API server is what
 * a cluster would get from this chart.
 */
interface Launched {
  objects: K8sObject[];
  job: K8sObject;
  outcome: RunOutcome;
  requests: ReturnType<KubeSimulator['requests']>;
}

const scenarios = ['auto', 'external', 'kata'];
const namespace = 'flow-like';

function dispatcherConfig(objects: K8sObject[]): DispatcherEnv {
  const deployment = findObject(objects, 'Deployment', 'flow-like-dispatcher');
  const check = checkServiceEnv(objects, deployment, podSpecOf(deployment)?.containers[0] as Container);
  if (!check?.config) throw new Error(`the dispatcher would not start: ${check?.rejected.join('; ')}`);
  return check.config as DispatcherEnv;
}

async function launchWith(sim: KubeSimulator, objects: K8sObject[]): Promise<Launched> {
  const before = sim.requests().length;
  const env = { ...dispatcherConfig(objects), KUBECONFIG: sim.kubeconfigPath };
  const launcher = launcherFromEnv(env, pino({ level: 'silent' }));
  try {
    // A pod that cannot be scheduled keeps the run going until it is cancelled.
    sim.faults.setUnschedulable(true);
    const executionId = randomUUID();
    const run = await launcher.launch({
      executionId,
      attempt: 1,
      projectId: randomUUID(),
      workflowId: randomUUID(),
      workflowVersion: 1,
      timeoutSeconds: 600,
    });
    const job = sim.jobs(namespace).find((candidate) => candidate.metadata?.name === run.runner);
    if (!job) throw new Error(`the simulator has no Job ${run.runner}`);
    await run.cancel();
    const outcome = await run.done;
    await launcher.attach(executionId, 1);
    return { objects, job: job as unknown as K8sObject, outcome, requests: sim.requests().slice(before) };
  } finally {
    await launcher.close();
  }
}

function executorContainer(job: K8sObject): Container {
  const container = podSpecOf(job)?.containers[0];
  if (!container) throw new Error(`${job.metadata.name} has no container`);
  return container;
}

/** What each scenario's values ask of executor pods, beyond what every Job has. */
const placements: Record<string, Record<string, unknown>> = {
  auto: {},
  external: {},
  kata: {
    runtimeClassName: 'kata',
    nodeSelector: { 'katacontainers.io/kata-runtime': 'true' },
    tolerations: [{ key: 'flow-like.io/executor', operator: 'Exists', effect: 'NoSchedule' }],
    priorityClassName: 'flow-like-executor',
    imagePullSecrets: [{ name: 'registry-credentials' }],
  },
};
const placementFields = ['runtimeClassName', 'nodeSelector', 'tolerations', 'priorityClassName', 'imagePullSecrets'];

/** Variables the Job builder sets on every run, whatever the chart says. */
const setForEveryRun = new Set(['PROJECT_ID', 'TMPDIR']);

describe.each(scenarios)('executor Jobs the dispatcher creates with ci/%s-values.yaml', (scenario) => {
  let sim: KubeSimulator;
  let launched: Launched;

  beforeAll(async () => {
    sim = await startKubeSimulator();
    launched = await launchWith(sim, renderScenario(scenario, { 'networkPolicy.enabled': 'true' }));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('give the executor only variables it reads, with values it accepts', () => {
    const check = checkServiceEnv(launched.objects, launched.job, executorContainer(launched.job));
    expect(check?.service.name).toBe('executor');
    expect(check?.unread.filter((name) => !setForEveryRun.has(name))).toEqual([]);
    expect(check?.rejected).toEqual([]);
  });

  it('are valid Jobs that keep the deployment policies', () => {
    expect(schemaProblems(launched.job)).toEqual([]);
    expect(policyViolations([launched.job])).toEqual([]);
    expect(podSpecOf(launched.job)?.automountServiceAccountToken).toBe(false);
    expect(podSpecOf(launched.job)?.serviceAccountName).toBeUndefined();
  });

  it('start the executor under the image entrypoint, tini', () => {
    const image = parseDockerfile(readFileSync(join(repoRoot, 'deploy/docker/Dockerfile'), 'utf8'));
    const entrypoint = execForm(lastOf(image.final, 'ENTRYPOINT')) ?? [];
    expect(executorContainer(launched.job).command).toEqual([...entrypoint, 'node', 'executor/dist/main.js']);
  });

  it('read credentials only from Secrets the release generates or the user names', () => {
    const available = [
      ...launched.objects
        .filter((object) => object.kind === 'Secret')
        .flatMap((secret) => Object.keys(secret.data as object).map((key) => `${secret.metadata.name}/${key}`)),
      'flow-like-s3/access-key-id',
      'flow-like-s3/secret-access-key',
      'flow-like-external/DATABASE_URL',
    ];
    const read = secretKeyReferences([launched.job]);
    expect(read.length).toBeGreaterThanOrEqual(3);
    expect(read.filter((reference) => !available.includes(reference))).toEqual([]);
  });

  it('are the pods the executor NetworkPolicy fences', () => {
    const policy = findObject(launched.objects, 'NetworkPolicy', 'flow-like-executor').spec as { podSelector: { matchLabels: Record<string, string> } };
    const podLabels = (launched.job.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    expect(podLabels).toMatchObject(policy.podSelector.matchLabels);
  });

  it('need no right beyond the dispatcher Role', () => {
    const role = findObject(launched.objects, 'Role', 'flow-like-dispatcher');
    const used = launched.requests.map(resourceAttributesOf);
    expect(used.map((attributes) => attributes.verb)).toEqual(expect.arrayContaining(['create', 'list', 'watch', 'delete']));
    expect(used.filter((attributes) => !roleAllows(role, attributes)).map(describeAttributes)).toEqual([]);
  });

  it('carry the runtime class, placement, deadline, TTL and resources of the values', () => {
    const podSpec = podSpecOf(launched.job) as unknown as Record<string, unknown>;
    const placement = Object.fromEntries(placementFields.filter((field) => podSpec[field] !== undefined).map((field) => [field, podSpec[field]]));
    expect(placement).toEqual(placements[scenario]);
    expect(launched.job.spec).toMatchObject({ ttlSecondsAfterFinished: 3600, activeDeadlineSeconds: 600, backoffLimit: 0 });
    expect(executorContainer(launched.job).resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
  });

  it('are deleted when their run is cancelled', () => {
    expect(launched.outcome).toMatchObject({ kind: 'failed', reason: 'Cancelled' });
  });
});

describe('RBAC attributes of a request', () => {
  const role: K8sObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'r', namespace },
    rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'watch'] }, { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }],
  };

  it.each([
    ['GET', '/apis/batch/v1/namespaces/flow-like/jobs/fl-exec-1', {}, 'get batch/jobs in flow-like', true],
    ['GET', '/apis/batch/v1/namespaces/flow-like/jobs', { watch: 'true' }, 'watch batch/jobs in flow-like', true],
    ['GET', '/apis/batch/v1/namespaces/flow-like/jobs', {}, 'list batch/jobs in flow-like', false],
    ['GET', '/api/v1/namespaces/flow-like/pods/p/log', {}, 'get core/pods/log in flow-like', true],
    ['GET', '/api/v1/namespaces/flow-like/pods/p', {}, 'get core/pods in flow-like', false],
    ['DELETE', '/apis/batch/v1/namespaces/flow-like/jobs', {}, 'deletecollection batch/jobs in flow-like', false],
    ['GET', '/apis/batch/v1/jobs', { watch: 'true' }, 'watch batch/jobs cluster-wide', false],
    ['GET', '/apis/batch/v1/namespaces/other/jobs/x', {}, 'get batch/jobs in other', false],
    ['GET', '/api/v1/namespaces/flow-like/secrets/s3', {}, 'get core/secrets in flow-like', false],
  ])('%s %s %o is "%s", allowed: %s', (method, path, query, described, allowed) => {
    const attributes = resourceAttributesOf({ method, path, query });
    expect(describeAttributes(attributes)).toBe(described);
    expect(roleAllows(role, attributes)).toBe(allowed);
  });
});
