import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`invalid YAML: ${document.errors[0]?.message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

export function objectKey(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

export function findObject(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not rendered; have ${objects.map(objectKey).join(', ')}`);
  return found;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, unknown> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  volumes?: { name: string; secret?: unknown; emptyDir?: unknown }[];
}

/** The pod spec an object runs, for the kinds that run pods. */
export function podSpecOf(object: K8sObject): PodSpec | undefined {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (object.kind === 'Pod') return spec as unknown as PodSpec;
  const template = spec?.template as { spec?: PodSpec } | undefined;
  if (template?.spec) return template.spec;
  const jobTemplate = spec?.jobTemplate as { spec?: { template?: { spec?: PodSpec } } } | undefined;
  return jobTemplate?.spec?.template?.spec;
}

export function containersOf(podSpec: PodSpec): Container[] {
  return [...(podSpec.initContainers ?? []), ...podSpec.containers];
}
