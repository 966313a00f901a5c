import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logEnv } from '@flow-like/core';
import type { DispatcherEnv } from '@flow-like/dispatcher/env';
import { kubernetesEnv, kubernetesLauncherConfigFrom } from '@flow-like/dispatcher/kubernetes/env';
import { chartScenarios, renderScenario } from './chartRenders.js';
import { chartDir, expectRendered, helmTemplate, kustomizeBuild, kustomizeDir } from './k8sTools.js';
import { containersOf, findObject, parseManifests, podSpecOf, type Container, type K8sObject } from './manifests.js';
import { checkServiceEnv, serviceEnvProblems, serviceOf } from './serviceEnv.js';

const overlays = ['auto', 'external', 'kata', 'dev'];

function kustomizeOverlay(overlay: string): K8sObject[] {
  return parseManifests(expectRendered(kustomizeBuild(join(kustomizeDir, 'overlays', overlay))));
}

function servicesStarted(objects: K8sObject[]): string[] {
  return objects
    .flatMap((object) => containersOf(podSpecOf(object) ?? { containers: [] }))
    .flatMap((container) => serviceOf(container)?.name ?? [])
    .sort();
}

function configOf(objects: K8sObject[], deployment: string): Record<string, unknown> {
  const owner = findObject(objects, 'Deployment', deployment);
  const container = podSpecOf(owner)?.containers[0] as Container;
  const check = checkServiceEnv(objects, owner, container);
  if (!check?.config) throw new Error(`${deployment} would not start: ${check?.rejected.join('; ')}`);
  return check.config;
}

describe.each([
  ...chartScenarios.map((scenario) => [`the chart with ci/${scenario}-values.yaml`, () => renderScenario(scenario)] as const),
  ...overlays.map((overlay) => [`the kustomize overlay ${overlay}`, () => kustomizeOverlay(overlay)] as const),
])('%s', (_name, render) => {
  it('gives api, dispatcher and migrations only variables they read, with values they accept', () => {
    const objects = render();
    expect(servicesStarted(objects)).toEqual(['api', 'dispatcher', 'migrate']);
    expect(serviceEnvProblems(objects)).toEqual([]);
  });
});

describe('chart values as the services read them', () => {
  const s3 = {
    's3.endpoint': 'http://minio.storage:9000',
    's3.region': 'us-east-1',
    's3.metadataBucket': 'meta',
    's3.contentBucket': 'content',
    's3.existingSecret': 'flow-like-s3',
  };

  it('give api and dispatcher the same limits, log level and storage settings', () => {
    const objects = parseManifests(
      expectRendered(
        helmTemplate({
          set: {
            ...s3,
            's3.forcePathStyle': 'true',
            logLevel: 'debug',
            queuePrefix: 'team-a',
            'dispatcher.globalConcurrency': '7',
            'dispatcher.projectConcurrencyDefault': '3',
            'executor.runTimeoutSeconds': '900',
            'api.maxQueueDepth': '500',
          },
        }),
      ),
    );
    const api = configOf(objects, 'flow-like-api');
    const dispatcher = configOf(objects, 'flow-like-dispatcher');
    expect(api).toMatchObject({
      GLOBAL_CONCURRENCY: 7,
      PROJECT_CONCURRENCY_DEFAULT: 3,
      RUN_TIMEOUT_SECONDS: 900,
      MAX_QUEUE_DEPTH: 500,
      LOG_LEVEL: 'debug',
      QUEUE_PREFIX: 'team-a',
      S3_ENDPOINT: 'http://minio.storage:9000',
      S3_FORCE_PATH_STYLE: true,
    });
    expect(dispatcher).toMatchObject({ GLOBAL_CONCURRENCY: 7, LOG_LEVEL: 'debug', QUEUE_PREFIX: 'team-a', LAUNCHER: 'kubernetes', KUBE_NAMESPACE: 'flow-like' });
  });

  it('make api and dispatcher listen on the ports their containers and Services expose', () => {
    const objects = parseManifests(expectRendered(helmTemplate({ set: { ...s3, 'api.port': '9000', 'dispatcher.metricsPort': '9100' } })));
    const portOf = (deployment: string) =>
      (podSpecOf(findObject(objects, 'Deployment', deployment))?.containers[0] as Container & { ports: { containerPort: number }[] }).ports[0]?.containerPort;
    expect([configOf(objects, 'flow-like-api').PORT, portOf('flow-like-api')]).toEqual([9000, 9000]);
    expect([configOf(objects, 'flow-like-dispatcher').METRICS_PORT, portOf('flow-like-dispatcher')]).toEqual([9100, 9100]);
    const servicePort = (name: string) => (findObject(objects, 'Service', name).spec as { ports: { targetPort: string }[] }).ports[0]?.targetPort;
    expect([servicePort('flow-like-api'), servicePort('flow-like-dispatcher')]).toEqual(['http', 'metrics']);
  });

  it('turn into the Kubernetes launcher settings the Kata scenario asks for', () => {
    const dispatcher = configOf(renderScenario('kata'), 'flow-like-dispatcher') as DispatcherEnv;
    expect(kubernetesLauncherConfigFrom(dispatcher, {})).toMatchObject({
      namespace: 'flow-like',
      instanceName: 'flow-like',
      image: 'ghcr.io/tm9657/flow-like-k8s:0.1.0',
      runtimeClassName: 'kata',
      nodeSelector: { 'katacontainers.io/kata-runtime': 'true' },
      tolerations: [{ key: 'flow-like.io/executor', operator: 'Exists', effect: 'NoSchedule' }],
      priorityClassName: 'flow-like-executor',
      imagePullSecrets: ['registry-credentials'],
      resources: { cpuRequest: '250m', memoryRequest: '256Mi', cpuLimit: '1', memoryLimit: '1Gi', maxCpu: '4', maxMemory: '8Gi' },
      ttlSecondsAfterFinished: 3600,
      databaseSecret: { name: 'flow-like-database', key: 'DATABASE_URL' },
      s3Secret: { name: 'flow-like-s3', accessKeyIdKey: 'access-key-id', secretAccessKeyKey: 'secret-access-key' },
    });
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
    properties: { logLevel: { enum: string[] }; executor: { properties: { image: { properties: { pullPolicy: { enum: string[] } } } } } };
  };

  it('offers exactly the log levels the services accept', () => {
    expect([...schema.properties.logLevel.enum].sort()).toEqual([...logEnv.LOG_LEVEL.unwrap().options].sort());
  });

  it('offers exactly the executor pull policies the dispatcher accepts', () => {
    const accepted = kubernetesEnv.EXECUTOR_IMAGE_PULL_POLICY.unwrap().options;
    expect([...schema.properties.executor.properties.image.properties.pullPolicy.enum].sort()).toEqual([...accepted].sort());
  });
});

describe('the environment check', () => {
  const configMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings' },
    data: { LAUNCHER: 'kubernetes', EXECUTOR_IMAGE: 'x:1', EXECUTOR_DATABASE_SECRET_NAME: 'db', GLOBAL_CONCURRENCY: 'ten' },
  };
  const deployment = (env: Container['env']): K8sObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'flow-like' },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'dispatcher', image: 'x:1', args: ['node', 'dispatcher/dist/main.js'], envFrom: [{ configMapRef: { name: 'settings' } }], env }],
        },
      },
    },
  });
  const connection = [
    { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
    { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: 'redis', key: 'url' } } },
  ];

  it('names a variable the service never reads and a value it rejects', () => {
    const problems = serviceEnvProblems([configMap, deployment([...connection, { name: 'WORKER_THREADS', value: '4' }])]);
    expect(problems).toEqual([
      'Deployment/d container dispatcher (dispatcher) sets WORKER_THREADS, which the dispatcher never reads',
      expect.stringMatching(/^Deployment\/d container dispatcher \(dispatcher\) would not start: GLOBAL_CONCURRENCY: .*\(got "ten"\)$/),
    ]);
  });

  it('lets a later env entry replace a ConfigMap value, as Kubernetes does', () => {
    expect(serviceEnvProblems([configMap, deployment([...connection, { name: 'GLOBAL_CONCURRENCY', value: '10' }])])).toEqual([]);
  });

  it('notices a missing connection secret', () => {
    const problems = serviceEnvProblems([configMap, deployment([{ name: 'GLOBAL_CONCURRENCY', value: '10' }])]);
    expect(problems.join('\n')).toContain('DATABASE_URL');
    expect(problems.join('\n')).toContain('REDIS_URL');
  });
});
