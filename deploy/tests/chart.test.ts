import { describe, expect, it } from 'vitest';
import { chartScenarios, renderScenario, scenarioValues } from './chartRenders.js';
import { expectRendered, helmInstallDryRun, helmLint, helmTemplate } from './k8sTools.js';
import { findObject, parseManifests, podSpecOf, type Container, type K8sObject } from './manifests.js';
import { schemaProblemsOfAll } from './openApiValidation.js';
import { policyViolations } from './policies.js';

const s3 = {
  's3.endpoint': 'https://s3.eu-central-1.amazonaws.com',
  's3.region': 'eu-central-1',
  's3.metadataBucket': 'meta',
  's3.contentBucket': 'content',
  's3.existingSecret': 'flow-like-s3',
};

function container(objects: K8sObject[], kind: string, name: string): Container {
  const found = podSpecOf(findObject(objects, kind, name))?.containers[0];
  if (!found) throw new Error(`${kind}/${name} has no container`);
  return found;
}

function secretRef(entry: Container, variable: string): { name: string; key: string } | undefined {
  const env = entry.env?.find((candidate) => candidate.name === variable);
  return (env?.valueFrom as { secretKeyRef?: { name: string; key: string } } | undefined)?.secretKeyRef;
}

function configData(objects: K8sObject[], name: string): Record<string, string> {
  return findObject(objects, 'ConfigMap', name).data as Record<string, string>;
}

function kinds(objects: K8sObject[]): string[] {
  return objects.map((object) => `${object.kind}/${object.metadata.name}`);
}

describe.each(chartScenarios)('chart with ci/%s-values.yaml', (scenario) => {
  it('passes helm lint --strict', () => {
    const result = helmLint(scenarioValues(scenario));
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
  });

  it('renders only objects valid against the Kubernetes OpenAPI schema', () => {
    expect(schemaProblemsOfAll(renderScenario(scenario))).toEqual([]);
  });

  it('keeps the policies: pinned images, resources and probes, non-root, least-privilege RBAC, secrets by reference', () => {
    expect(policyViolations(renderScenario(scenario))).toEqual([]);
  });
});

describe('chart values that must fail', () => {
  it('names every missing S3 value when S3 is not configured', () => {
    const result = helmTemplate({});
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain(
      'S3 storage is required: set s3.endpoint, s3.region, s3.metadataBucket, s3.contentBucket, s3.existingSecret',
    );
  });

  it('names the one S3 value still missing', () => {
    const { 's3.contentBucket': _left, ...rest } = s3;
    const result = helmTemplate({ set: rest });
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/set s3\.contentBucket \(/);
  });

  it.each([
    ['an endpoint without its scheme', { 's3.endpoint': 's3.eu-central-1.amazonaws.com' }, '/s3/endpoint'],
    ['a bucket name S3 does not allow', { 's3.contentBucket': 'Flow_Like' }, '/s3/contentBucket'],
  ])('refuses %s, naming the value', (_name, change, path) => {
    const result = helmTemplate({ set: { ...s3, ...change } });
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain(path);
  });

  it('refuses the latest image tag', () => {
    const result = helmTemplate({ set: { ...s3, 'image.tag': 'latest' } });
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('/image/tag');
  });

  it('refuses a longest run deadline below the default one, which the api would refuse at start', () => {
    const result = helmTemplate({ set: { ...s3, 'executor.runTimeoutSeconds': '7200', 'executor.maxRunTimeoutSeconds': '3600' } });
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('executor.maxRunTimeoutSeconds (3600) must not be below executor.runTimeoutSeconds (7200)');
  });

  it('refuses executor network policies that would cut executors off an external database', () => {
    const result = helmTemplate({ ...scenarioValues('external'), set: { 'networkPolicy.executor.databaseCidrs': 'null' } });
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('networkPolicy.executor.databaseCidrs is required with an external database');
  });

  it.each([
    ['https://s3.eu-central-1.amazonaws.com', '443'],
    ['http://minio.storage.svc', '80'],
    ['http://minio.storage.svc:9100', '9100'],
  ])('refuses executor network policies that keep executors from S3 at %s', (endpoint, port) => {
    const result = helmTemplate({ ...scenarioValues('monitoring'), set: { 's3.endpoint': endpoint } });
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain(`networkPolicy.executor.s3Ports [9000] must include ${port}, the port of s3.endpoint`);
  });

  it('refuses unknown top-level values, so a typo is not silently ignored', () => {
    const result = helmTemplate({ set: { ...s3, 'executors.runtimeClassName': 'kata' } });
    expect(result.ok).toBe(false);
    expect(result.stderr).toContain('executors');
  });
});

describe('chart in auto mode', () => {
  const objects = () => renderScenario('auto');

  it('runs PostgreSQL and Redis as StatefulSets with volumes on the default StorageClass', () => {
    for (const name of ['flow-like-postgresql', 'flow-like-redis']) {
      const statefulSet = findObject(objects(), 'StatefulSet', name);
      const claims = (statefulSet.spec as { volumeClaimTemplates?: { spec: Record<string, unknown> }[] }).volumeClaimTemplates;
      expect(claims).toHaveLength(1);
      expect(claims?.[0]?.spec.storageClassName).toBeUndefined();
    }
  });

  it('starts Redis with AOF and without eviction', () => {
    const args = container(objects(), 'StatefulSet', 'flow-like-redis').args ?? [];
    expect(args.join(' ')).toContain('--appendonly yes');
    expect(args.join(' ')).toContain('--maxmemory-policy noeviction');
  });

  it('points api, dispatcher, migrations and executor Jobs at one generated DATABASE_URL secret key', () => {
    const secret = findObject(objects(), 'Secret', 'flow-like-database');
    expect(Object.keys(secret.data as object).sort()).toEqual(['DATABASE_URL', 'postgres-password']);
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const reference = { name: 'flow-like-database', key: 'DATABASE_URL' };
    expect(secretRef(container(objects(), 'Deployment', 'flow-like-api'), 'DATABASE_URL')).toEqual(reference);
    expect(secretRef(container(objects(), 'Deployment', 'flow-like-dispatcher'), 'DATABASE_URL')).toEqual(reference);
    expect(secretRef(container(objects(), 'Job', 'flow-like-migrate'), 'DATABASE_URL')).toEqual(reference);
    const dispatcher = configData(objects(), 'flow-like-dispatcher');
    expect([dispatcher.EXECUTOR_DATABASE_SECRET_NAME, dispatcher.EXECUTOR_DATABASE_SECRET_KEY]).toEqual([reference.name, reference.key]);
  });

  it('builds DATABASE_URL from the same generated password PostgreSQL starts with', () => {
    const data = findObject(objects(), 'Secret', 'flow-like-database').data as Record<string, string>;
    const password = Buffer.from(data['postgres-password'] ?? '', 'base64').toString();
    const url = new URL(Buffer.from(data.DATABASE_URL ?? '', 'base64').toString());
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(url.password).toBe(password);
    expect(url.host).toBe('flow-like-postgresql:5432');
  });

  it('migrates after install, when the internal PostgreSQL exists, and before every upgrade', () => {
    const job = findObject(objects(), 'Job', 'flow-like-migrate');
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('post-install,pre-upgrade');
    expect(container(objects(), 'Job', 'flow-like-migrate').args).toEqual(['node', 'db/dist/migrateCommand.js']);
  });

  it('gives the dispatcher its namespace, release name and launcher', () => {
    const dispatcher = container(objects(), 'Deployment', 'flow-like-dispatcher');
    const namespace = dispatcher.env?.find((entry) => entry.name === 'KUBE_NAMESPACE');
    expect(namespace?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(configData(objects(), 'flow-like-dispatcher')).toMatchObject({
      LAUNCHER: 'kubernetes',
      INSTANCE_NAME: 'flow-like',
      QUEUE_WAIT_SECONDS: '300',
      MAX_RUN_SECONDS: '86400',
      EXECUTOR_TTL_SECONDS: '3600',
      EXECUTOR_IMAGE: 'ghcr.io/tm9657/flow-like-k8s:0.1.0',
      EXECUTOR_COMMAND: '["/usr/bin/tini","--","node","executor/dist/main.js"]',
      EXECUTOR_S3_SECRET_NAME: 'flow-like-s3',
    });
    expect(configData(objects(), 'flow-like-config')).toMatchObject({ GLOBAL_CONCURRENCY: '50', PROJECT_CONCURRENCY_DEFAULT: '10' });
    expect(configData(objects(), 'flow-like-dispatcher').EXECUTOR_RUNTIME_CLASS).toBeUndefined();
  });

  it('lets only the dispatcher hold a service-account token', () => {
    const dispatcher = podSpecOf(findObject(objects(), 'Deployment', 'flow-like-dispatcher'));
    expect(dispatcher?.serviceAccountName).toBe('flow-like-dispatcher');
    expect(dispatcher?.automountServiceAccountToken).toBeUndefined();
    expect(findObject(objects(), 'ServiceAccount', 'flow-like-api').automountServiceAccountToken).toBe(false);
  });

  it('has a helm test hook that calls /readyz through the API service', () => {
    const pod = findObject(objects(), 'Pod', 'flow-like-test-readyz');
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(container(objects(), 'Pod', 'flow-like-test-readyz').args?.join(' ')).toContain(
      'http://flow-like-api.flow-like.svc:8080/readyz',
    );
  });

  it('has disruption budgets for api and dispatcher, and no optional objects by default', () => {
    expect(kinds(objects())).toEqual(expect.arrayContaining(['PodDisruptionBudget/flow-like-api', 'PodDisruptionBudget/flow-like-dispatcher']));
    expect(objects().filter((object) => ['Ingress', 'NetworkPolicy', 'ServiceMonitor'].includes(object.kind))).toEqual([]);
  });

  it('tells the user how to reach the API and the queue dashboard', () => {
    const result = helmInstallDryRun(scenarioValues('auto'));
    expect(result.stderr).toBe('');
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('kubectl -n flow-like port-forward svc/flow-like-api 8080:8080');
    expect(notes).toContain('http://127.0.0.1:8080/admin/queues');
    expect(notes).toContain("get secret flow-like-admin -o jsonpath='{.data.ADMIN_TOKEN}'");
  });
});

describe('chart in external mode', () => {
  const objects = () => renderScenario('external');

  it('runs no database or Redis and generates no connection secrets', () => {
    expect(objects().filter((object) => object.kind === 'StatefulSet' || object.kind === 'Secret')).toEqual([]);
  });

  it('reads DATABASE_URL, REDIS_URL and the admin token from the existing secret', () => {
    const api = container(objects(), 'Deployment', 'flow-like-api');
    expect(secretRef(api, 'DATABASE_URL')).toEqual({ name: 'flow-like-external', key: 'DATABASE_URL' });
    expect(secretRef(api, 'REDIS_URL')).toEqual({ name: 'flow-like-external', key: 'REDIS_URL' });
    expect(secretRef(api, 'ADMIN_TOKEN')).toEqual({ name: 'flow-like-external', key: 'ADMIN_TOKEN' });
    expect(secretRef(api, 'S3_SECRET_ACCESS_KEY')).toEqual({ name: 'flow-like-s3', key: 'secret-access-key' });
    expect(configData(objects(), 'flow-like-dispatcher').EXECUTOR_DATABASE_SECRET_NAME).toBe('flow-like-external');
  });

  it('migrates before install and before every upgrade', () => {
    expect(findObject(objects(), 'Job', 'flow-like-migrate').metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
  });

  it('lets executors reach only DNS, the database range and S3 on 443, and accept nothing', () => {
    const policy = findObject(objects(), 'NetworkPolicy', 'flow-like-executor');
    const spec = policy.spec as { podSelector: unknown; policyTypes: string[]; ingress?: unknown; egress: unknown[] };
    expect(spec.podSelector).toEqual({
      matchLabels: {
        'app.kubernetes.io/name': 'flow-like',
        'app.kubernetes.io/instance': 'flow-like',
        'app.kubernetes.io/component': 'executor',
      },
    });
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.ingress).toBeUndefined();
    expect(spec.egress).toEqual([
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
  });
});

describe('chart options', () => {
  it('runs executors under the Kata RuntimeClass with their scheduling settings', () => {
    expect(configData(renderScenario('kata'), 'flow-like-dispatcher')).toMatchObject({
      EXECUTOR_RUNTIME_CLASS: 'kata',
      EXECUTOR_NODE_SELECTOR: '{"katacontainers.io/kata-runtime":"true"}',
      EXECUTOR_TOLERATIONS: '[{"effect":"NoSchedule","key":"flow-like.io/executor","operator":"Exists"}]',
      EXECUTOR_PRIORITY_CLASS: 'flow-like-executor',
      EXECUTOR_IMAGE_PULL_SECRETS: 'registry-credentials',
    });
  });

  it.each([
    [{}, 'ghcr.io/tm9657/flow-like-k8s:0.1.0'],
    [{ 'image.digest': `sha256:${'a'.repeat(64)}` }, `ghcr.io/tm9657/flow-like-k8s@sha256:${'a'.repeat(64)}`],
    [{ 'executor.image.tag': '0.1.0-slim' }, 'ghcr.io/tm9657/flow-like-k8s:0.1.0-slim'],
    [{ 'executor.image.repository': 'registry.example.com/executor', 'executor.image.tag': '2.0.0' }, 'registry.example.com/executor:2.0.0'],
  ])('gives executors the image %o', (set, image) => {
    const objects = parseManifests(expectRendered(helmTemplate({ ...scenarioValues('auto'), set })));
    expect(configData(objects, 'flow-like-dispatcher').EXECUTOR_IMAGE).toBe(image);
  });

  it('publishes the API through an ingress with TLS from a cert-manager issuer', () => {
    const ingress = findObject(renderScenario('ingress-tls'), 'Ingress', 'flow-like-api');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ingress.spec).toMatchObject({
      ingressClassName: 'nginx',
      tls: [{ secretName: 'flow-like-tls', hosts: ['flow-like.example.com'] }],
    });
    const rules = (ingress.spec as { rules: Array<{ host: string; http: { paths: Array<{ path: string; backend: unknown }> } }> }).rules;
    expect(rules.map((rule) => rule.host)).toEqual(['flow-like.example.com']);
    const paths = rules[0]!.http.paths;
    expect(paths.map((p) => p.path)).toEqual(['/v1', '/admin', '/docs', '/openapi.json', '/healthz', '/readyz']);
    for (const p of paths) expect(p.backend).toEqual({ service: { name: 'flow-like-api', port: { name: 'http' } } });
  });

  it('keeps /metrics off the default ingress', () => {
    const ingress = findObject(renderScenario('auto', { 'ingress.enabled': 'true' }), 'Ingress', 'flow-like-api');
    const paths = (ingress.spec as { rules: Array<{ http: { paths: Array<{ path: string; pathType: string }> } }> }).rules.flatMap((r) => r.http.paths);
    expect(paths.length).toBeGreaterThan(0);
    const routes = (url: string) => paths.some((p) => (p.pathType === 'Exact' ? url === p.path : url === p.path || url.startsWith(p.path.replace(/\/?$/, '/'))));
    expect(routes('/metrics')).toBe(false);
    for (const url of ['/v1/executions', '/admin/queues', '/docs', '/openapi.json', '/readyz']) expect(routes(url)).toBe(true);
  });

  it('takes the ingress TLS certificate from a Secret alone, or from a namespaced cert-manager Issuer', () => {
    const ingressWith = (set: Record<string, string>) =>
      findObject(parseManifests(expectRendered(helmTemplate({ ...scenarioValues('ingress-tls'), set }))), 'Ingress', 'flow-like-api');
    const secretOnly = ingressWith({ 'ingress.certManager.issuer': '', 'ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-body-size': '16m' });
    expect(secretOnly.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/proxy-body-size': '16m' });
    expect((secretOnly.spec as { tls: unknown }).tls).toEqual([{ secretName: 'flow-like-tls', hosts: ['flow-like.example.com'] }]);
    const issuer = ingressWith({ 'ingress.certManager.issuer': 'team-ca', 'ingress.certManager.issuerKind': 'Issuer' });
    expect(issuer.metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'team-ca' });
  });

  it('tells the user the public URLs of the API and the queue dashboard behind the ingress', () => {
    const result = helmInstallDryRun(scenarioValues('ingress-tls'));
    expect(result.stderr).toBe('');
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).toContain('https://flow-like.example.com/readyz');
    expect(notes).toContain('https://flow-like.example.com/admin/queues');
    expect(notes).not.toContain('port-forward');
  });

  it('runs Redis but no PostgreSQL with an external database and no Redis secret', () => {
    const objects = parseManifests(
      expectRendered(helmTemplate({ ...scenarioValues('auto'), set: { 'database.existingSecret': 'flow-like-external' } })),
    );
    const statefulSets = objects.filter((object) => object.kind === 'StatefulSet').map((object) => object.metadata.name);
    expect(statefulSets).toEqual(['flow-like-redis']);
    const api = container(objects, 'Deployment', 'flow-like-api');
    expect(secretRef(api, 'DATABASE_URL')).toEqual({ name: 'flow-like-external', key: 'DATABASE_URL' });
    expect(secretRef(api, 'REDIS_URL')).toEqual({ name: 'flow-like-redis', key: 'REDIS_URL' });
    expect(findObject(objects, 'Job', 'flow-like-migrate').metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(objects.filter((object) => object.kind === 'Secret').map((object) => object.metadata.name).sort()).toEqual(['flow-like-admin', 'flow-like-redis']);
  });

  it('keeps PostgreSQL and Redis data in emptyDir when persistence is off', () => {
    for (const name of ['flow-like-postgresql', 'flow-like-redis']) {
      const statefulSet = findObject(renderScenario('persistence-off'), 'StatefulSet', name);
      expect((statefulSet.spec as { volumeClaimTemplates?: unknown }).volumeClaimTemplates).toBeUndefined();
      expect(podSpecOf(statefulSet)?.volumes).toContainEqual({ name: 'data', emptyDir: {} });
    }
  });

  it('scrapes api and dispatcher metrics and fences PostgreSQL and Redis when monitoring and policies are on', () => {
    const objects = renderScenario('monitoring');
    const monitor = findObject(objects, 'ServiceMonitor', 'flow-like');
    expect(monitor.metadata.labels?.release).toBe('prometheus');
    expect((monitor.spec as { endpoints: { port: string }[] }).endpoints.map((endpoint) => endpoint.port)).toEqual(['http', 'metrics']);
    const redisPolicy = findObject(objects, 'NetworkPolicy', 'flow-like-redis').spec as { ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[] }[] };
    const allowed = redisPolicy.ingress[0]?.from.map((peer) => peer.podSelector.matchLabels['app.kubernetes.io/component']);
    expect(allowed).toEqual(['api', 'dispatcher']);
    const executorEgress = (findObject(objects, 'NetworkPolicy', 'flow-like-executor').spec as { egress: unknown[] }).egress;
    expect(executorEgress).toContainEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'flow-like', 'app.kubernetes.io/instance': 'flow-like', 'app.kubernetes.io/component': 'postgresql' } } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
    expect(executorEgress).toContainEqual({ to: [{ ipBlock: { cidr: '10.43.0.0/16' } }], ports: [{ protocol: 'TCP', port: 9000 }] });
  });

  it('uses the release name for object names and the executor instance label', () => {
    const objects = parseManifests(
      expectRendered(helmTemplate({ ...scenarioValues('auto'), release: 'team-a', set: { 'networkPolicy.enabled': 'true' } })),
    );
    expect(configData(objects, 'team-a-flow-like-dispatcher')).toMatchObject({ INSTANCE_NAME: 'team-a' });
    const policy = findObject(objects, 'NetworkPolicy', 'team-a-flow-like-executor').spec as {
      podSelector: { matchLabels: Record<string, string> };
    };
    expect(policy.podSelector.matchLabels['app.kubernetes.io/instance']).toBe('team-a');
  });
});
