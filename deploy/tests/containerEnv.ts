import { findObject, type Container, type K8sObject } from './manifests.js';

export type EnvSource =
  | { kind: 'value'; value: string }
  | { kind: 'configMap'; configMap: string; value: string }
  | { kind: 'secret'; secret: string; key: string }
  | { kind: 'field'; fieldPath: string };

export interface EnvEntry {
  name: string;
  source: EnvSource;
}

interface EnvValueFrom {
  secretKeyRef?: { name: string; key: string };
  configMapKeyRef?: { name: string; key: string };
  fieldRef?: { fieldPath: string };
}

/**
 * The variables a container starts with, as Kubernetes assembles them:
 * every key of each `envFrom` ConfigMap (looked up among the rendered
 * objects), then `env`, where a later entry replaces an earlier one.
 */
export function containerEnv(objects: K8sObject[], container: Container): EnvEntry[] {
  const entries = new Map<string, EnvEntry>();
  for (const from of container.envFrom ?? []) {
    if (from.secretRef) throw new Error(`container ${container.name} takes a whole Secret (${from.secretRef.name}): its variables cannot be checked`);
    if (!from.configMapRef) continue;
    const configMap = from.configMapRef.name;
    const data = (findObject(objects, 'ConfigMap', configMap).data ?? {}) as Record<string, string>;
    for (const [name, value] of Object.entries(data)) entries.set(name, { name, source: { kind: 'configMap', configMap, value } });
  }
  for (const variable of container.env ?? []) {
    entries.set(variable.name, { name: variable.name, source: sourceOf(objects, container, variable) });
  }
  return [...entries.values()];
}

function sourceOf(objects: K8sObject[], container: Container, variable: NonNullable<Container['env']>[number]): EnvSource {
  if (variable.valueFrom === undefined) return { kind: 'value', value: variable.value ?? '' };
  const from = variable.valueFrom as EnvValueFrom;
  if (from.secretKeyRef) return { kind: 'secret', secret: from.secretKeyRef.name, key: from.secretKeyRef.key };
  if (from.fieldRef) return { kind: 'field', fieldPath: from.fieldRef.fieldPath };
  if (from.configMapKeyRef) {
    const data = (findObject(objects, 'ConfigMap', from.configMapKeyRef.name).data ?? {}) as Record<string, string>;
    const value = data[from.configMapKeyRef.key];
    if (value === undefined) throw new Error(`container ${container.name}: ${variable.name} names missing key ${from.configMapKeyRef.key}`);
    return { kind: 'configMap', configMap: from.configMapKeyRef.name, value };
  }
  throw new Error(`container ${container.name}: ${variable.name} has a valueFrom this check does not know`);
}
