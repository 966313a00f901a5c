import { isDeepStrictEqual } from 'node:util';
import { objectKey, type K8sObject } from './manifests.js';

const helmOnlyLabels = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

function withoutKeys(record: Record<string, string> | undefined, drop: (key: string) => boolean) {
  if (!record) return undefined;
  const kept = Object.entries(record).filter(([key]) => !drop(key));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

function isHelmTest(object: K8sObject): boolean {
  return object.metadata.annotations?.['helm.sh/hook'] === 'test';
}

/**
 * What a cluster would hold apart from Helm's own bookkeeping: Helm labels,
 * hook annotations, config checksums and `helm test` pods are dropped, and so
 * are Secrets, which the chart generates and kustomize users create by hand.
 */
export function comparableObjects(objects: K8sObject[]): Map<string, K8sObject> {
  const comparable = new Map<string, K8sObject>();
  for (const original of objects) {
    if (original.kind === 'Secret' || isHelmTest(original)) continue;
    const object = structuredClone(original);
    const labels = withoutKeys(object.metadata.labels, (key) => helmOnlyLabels.includes(key));
    const annotations = withoutKeys(object.metadata.annotations, (key) => key.startsWith('helm.sh/'));
    object.metadata = { ...object.metadata, labels, annotations };
    if (!labels) delete object.metadata.labels;
    if (!annotations) delete object.metadata.annotations;
    const template = (object.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template;
    if (template?.metadata?.annotations) {
      const kept = withoutKeys(template.metadata.annotations, (key) => key.startsWith('checksum/'));
      if (kept) template.metadata.annotations = kept;
      else delete template.metadata.annotations;
    }
    comparable.set(objectKey(object), object);
  }
  return comparable;
}

/** Paths where two values differ, e.g. "spec.replicas: 2 != 1". */
function differingPaths(chart: unknown, kustomize: unknown, path: string): string[] {
  if (isDeepStrictEqual(chart, kustomize)) return [];
  const bothObjects = chart && kustomize && typeof chart === 'object' && typeof kustomize === 'object';
  if (!bothObjects || Array.isArray(chart) !== Array.isArray(kustomize)) {
    return [`${path}: chart ${JSON.stringify(chart)}, kustomize ${JSON.stringify(kustomize)}`];
  }
  const keys = new Set([...Object.keys(chart), ...Object.keys(kustomize)]);
  return [...keys].flatMap((key) =>
    differingPaths((chart as Record<string, unknown>)[key], (kustomize as Record<string, unknown>)[key], `${path}.${key}`),
  );
}

/** Human-readable differences between two renders; empty when they match. */
export function renderDifferences(chart: K8sObject[], kustomize: K8sObject[]): string[] {
  const fromChart = comparableObjects(chart);
  const fromKustomize = comparableObjects(kustomize);
  const differences: string[] = [];
  for (const key of fromChart.keys()) {
    if (!fromKustomize.has(key)) differences.push(`${key} is rendered by the chart only`);
  }
  for (const [key, object] of fromKustomize) {
    const counterpart = fromChart.get(key);
    if (!counterpart) differences.push(`${key} is rendered by kustomize only`);
    else differences.push(...differingPaths(counterpart, object, key));
  }
  return differences;
}

/** Every (Secret, key) pair that pods read through secretKeyRef. */
export function secretKeyReferences(objects: K8sObject[]): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const reference = (value as { secretKeyRef?: { name: string; key: string } }).secretKeyRef;
      if (reference) found.add(`${reference.name}/${reference.key}`);
      Object.values(value).forEach(visit);
    }
  };
  objects.forEach(visit);
  return [...found].sort();
}
