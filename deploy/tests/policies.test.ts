import { describe, expect, it } from 'vitest';
import { parseManifests, type K8sObject } from './manifests.js';
import { schemaProblems } from './openApiValidation.js';
import { dispatcherRules, imageProblems, policyViolations } from './policies.js';

const compliantPod = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: flow-like-api, labels: {app.kubernetes.io/component: api}}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
        - name: api
          image: ghcr.io/tm9657/flow-like-k8s:0.1.0
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}}
          env:
            - name: DATABASE_URL
              valueFrom: {secretKeyRef: {name: db, key: DATABASE_URL}}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: "1", memory: 256Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
`;

function deployment(): K8sObject {
  const [object] = parseManifests(compliantPod);
  if (!object) throw new Error('fixture did not parse');
  return object;
}

type Mutable = { spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } };

function mutated(change: (pod: Mutable['spec']['template']['spec']) => void): K8sObject {
  const object = deployment();
  change((object as unknown as Mutable).spec.template.spec);
  return object;
}

function role(rules: unknown[]): K8sObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules };
}

describe('deployment policies', () => {
  it('accept a pinned, bounded, non-root pod that takes credentials from secrets', () => {
    expect(policyViolations([deployment()])).toEqual([]);
  });

  it.each([
    ['a latest tag', (pod: Mutable['spec']['template']['spec']) => { pod.containers[0]!.image = 'redis:latest'; }, 'uses the latest tag'],
    ['an untagged image', (pod: Mutable['spec']['template']['spec']) => { pod.containers[0]!.image = 'registry:5000/redis'; }, 'has no tag'],
    ['a missing memory limit', (pod: Mutable['spec']['template']['spec']) => { pod.containers[0]!.resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1' } }; }, 'has no memory limit'],
    ['a root user', (pod: Mutable['spec']['template']['spec']) => { pod.securityContext = { runAsNonRoot: true, runAsUser: 0 }; }, 'non-root runAsUser'],
    ['no runAsNonRoot', (pod: Mutable['spec']['template']['spec']) => { pod.securityContext = { runAsUser: 10001 }; }, 'may run as root'],
    ['privilege escalation', (pod: Mutable['spec']['template']['spec']) => { pod.containers[0]!.securityContext = { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }; }, 'allows privilege escalation'],
    ['a password in plain env', (pod: Mutable['spec']['template']['spec']) => { pod.containers[0]!.env = [{ name: 'POSTGRES_PASSWORD', value: 'hunter2' }]; }, 'plain env'],
    ['credentials inside a URL', (pod: Mutable['spec']['template']['spec']) => { pod.containers[0]!.env = [{ name: 'UPSTREAM', value: 'postgres://u:p@db:5432/x' }]; }, 'credentials in the value'],
    ['a mounted token', (pod: Mutable['spec']['template']['spec']) => { delete pod.automountServiceAccountToken; }, 'service-account token'],
    ['no readiness probe', (pod: Mutable['spec']['template']['spec']) => { delete pod.containers[0]!.readinessProbe; }, 'has no readiness probe'],
    ['no liveness probe', (pod: Mutable['spec']['template']['spec']) => { delete pod.containers[0]!.livenessProbe; }, 'has no liveness probe'],
  ])('reject %s', (_name, change, message) => {
    const violations = policyViolations([mutated(change)]);
    expect(violations.join('\n')).toContain(message);
  });

  it('reject credentials kept in a ConfigMap', () => {
    const configMap: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { ADMIN_TOKEN: 'x' } };
    expect(policyViolations([configMap])).toEqual(['ConfigMap/c holds credential ADMIN_TOKEN']);
  });

  it('accept secret references in a ConfigMap but not a latest executor image', () => {
    const configMap: K8sObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { EXECUTOR_S3_SECRET_ACCESS_KEY_KEY: 'secret-access-key', EXECUTOR_DATABASE_SECRET_KEY: 'DATABASE_URL', EXECUTOR_IMAGE: 'x/y:latest' },
    };
    expect(policyViolations([configMap])).toEqual(['ConfigMap/c EXECUTOR_IMAGE: image x/y:latest uses the latest tag']);
  });

  it('accept the dispatcher rules in any order and reject anything more', () => {
    expect(policyViolations([role([...dispatcherRules].reverse())])).toEqual([]);
    const withSecrets = [...dispatcherRules, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }];
    expect(policyViolations([role(withSecrets)])).toHaveLength(1);
    expect(policyViolations([role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])])).toEqual(['Role/r: uses a wildcard']);
    const clusterRole: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'c' } };
    expect(policyViolations([clusterRole])).toEqual(['ClusterRole/c: cluster-wide RBAC is never needed']);
  });

  it('accept digests as pinned images', () => {
    expect(imageProblems(`redis@sha256:${'a'.repeat(64)}`)).toEqual([]);
  });
});

describe('schema validation', () => {
  it('reports wrong types and unknown fields', () => {
    const broken = mutated((pod) => {
      pod.containers[0]!.ports = [{ containerPort: '8080' }];
      pod.containers[0]!.imagePullPolcy = 'Always';
    });
    const problems = schemaProblems(broken).join('\n');
    expect(problems).toContain('containerPort must be integer');
    expect(problems).toContain('containers[0].imagePullPolcy is not a field of V1Container');
  });

  it('refuses kinds it has no schema for', () => {
    const unknown: K8sObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(schemaProblems(unknown)).toEqual(['Widget/w: no schema for example.com/v1 Widget']);
  });

  it('checks a ServiceMonitor by structure', () => {
    const monitor: K8sObject = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm' }, spec: { selector: {}, endpoints: [{ port: 9090 }] } };
    expect(schemaProblems(monitor)).toEqual(['ServiceMonitor/m: every endpoint needs a named port', 'ServiceMonitor/m: every endpoint needs a path']);
  });
});
