import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparableObjects, renderDifferences, secretKeyReferences } from './chartKustomizeParity.js';
import { expectRendered, helmTemplate, kustomizeBuild, kustomizeDir, repoRoot, type HelmRender } from './k8sTools.js';
import { findObject, parseManifests, podSpecOf, type K8sObject } from './manifests.js';
import { schemaProblemsOfAll } from './openApiValidation.js';
import { policyViolations } from './policies.js';

const auto: HelmRender = { valuesFiles: ['ci/auto-values.yaml'] };

/** Each overlay and the chart values that make the same choices. */
const overlays: Record<string, HelmRender> = {
  auto,
  external: {
    ...auto,
    set: {
      'database.existingSecret': 'flow-like-database',
      'redis.existingSecret': 'flow-like-redis',
      'api.adminToken.existingSecret': 'flow-like-admin',
    },
  },
  kata: { ...auto, set: { 'executor.runtimeClassName': 'kata' } },
  dev: {
    ...auto,
    set: {
      'api.replicas': '1',
      'dispatcher.replicas': '1',
      logLevel: 'debug',
      'database.internal.persistence.enabled': 'false',
      'redis.internal.persistence.enabled': 'false',
    },
  },
};

const builds = new Map<string, K8sObject[]>();
function build(overlay: string): K8sObject[] {
  let objects = builds.get(overlay);
  if (!objects) {
    objects = parseManifests(expectRendered(kustomizeBuild(join(kustomizeDir, 'overlays', overlay))));
    builds.set(overlay, objects);
  }
  return objects;
}

function chart(overlay: string): K8sObject[] {
  return parseManifests(expectRendered(helmTemplate(overlays[overlay] as HelmRender)));
}

describe.each(Object.keys(overlays))('kustomize overlay %s', (overlay) => {
  it('renders only objects valid against the Kubernetes OpenAPI schema', () => {
    expect(schemaProblemsOfAll(build(overlay))).toEqual([]);
  });

  it('keeps the policies: pinned images, resources and probes, non-root, least-privilege RBAC, secrets by reference', () => {
    expect(policyViolations(build(overlay))).toEqual([]);
  });

  it('renders the same objects as the chart for the same choices', () => {
    const kustomize = build(overlay);
    expect(comparableObjects(kustomize).size).toBeGreaterThan(10);
    expect(renderDifferences(chart(overlay), kustomize)).toEqual([]);
  });

  it('puts everything in the flow-like namespace', () => {
    expect(build(overlay).filter((object) => object.metadata.namespace !== 'flow-like').map((object) => object.metadata.name)).toEqual([]);
  });
});

describe('kustomize secrets', () => {
  it('reads exactly the secret keys the chart generates in auto mode, plus the S3 secret', () => {
    const generated = chart('auto')
      .filter((object) => object.kind === 'Secret')
      .flatMap((secret) => Object.keys(secret.data as object).map((key) => `${secret.metadata.name}/${key}`));
    const expected = [...generated, 'flow-like-s3/access-key-id', 'flow-like-s3/secret-access-key'].sort();
    const referenced = secretKeyReferences(build('auto'));
    expect(referenced).toEqual(expected.filter((entry) => referenced.includes(entry)));
    expect(referenced).toEqual(expect.arrayContaining(['flow-like-database/postgres-password', 'flow-like-redis/redis-password']));
  });

  it('documents how to create every secret an overlay reads', () => {
    const readme = readFileSync(join(repoRoot, 'deploy/README.md'), 'utf8');
    const names = new Set(secretKeyReferences(build('auto')).map((entry) => entry.split('/')[0]));
    for (const name of names) expect(readme).toContain(`create secret generic ${name}`);
  });

  it('generates no Secret objects, so no credential is ever committed', () => {
    for (const overlay of Object.keys(overlays)) {
      expect(build(overlay).filter((object) => object.kind === 'Secret')).toEqual([]);
    }
  });
});

describe('kustomize overlay choices', () => {
  it('adds PostgreSQL and Redis only in auto mode', () => {
    const statefulSets = (overlay: string) => build(overlay).filter((object) => object.kind === 'StatefulSet').map((object) => object.metadata.name);
    expect(statefulSets('auto')).toEqual(['flow-like-postgresql', 'flow-like-redis']);
    expect(statefulSets('external')).toEqual([]);
  });

  it('runs executors under Kata only in the kata overlay', () => {
    const runtimeClass = (overlay: string) => (findObject(build(overlay), 'ConfigMap', 'flow-like-dispatcher').data as Record<string, string>).EXECUTOR_RUNTIME_CLASS;
    expect(runtimeClass('kata')).toBe('kata');
    expect(runtimeClass('auto')).toBeUndefined();
  });

  it('keeps dev data in emptyDir', () => {
    const postgres = findObject(build('dev'), 'StatefulSet', 'flow-like-postgresql');
    expect(podSpecOf(postgres)?.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });
});
