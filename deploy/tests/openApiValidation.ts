import * as clientModels from '@kubernetes/client-node/dist/gen/models/all.js';
import { ConfigMap, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { objectKey, type K8sObject } from './manifests.js';

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: never) => ValidatingModel;

/**
 * Every kind the chart and overlays may render, with the OpenAPI-generated
 * model that validates it and the generated client type whose field list
 * catches unknown (misspelt or misplaced) fields, which the OpenAPI schemas
 * themselves allow.
 */
const builtInKinds: Record<string, { model: ModelClass; fields: string }> = {
  'v1/ConfigMap': { model: ConfigMap, fields: 'V1ConfigMap' },
  'v1/Pod': { model: Pod, fields: 'V1Pod' },
  'v1/Secret': { model: Secret, fields: 'V1Secret' },
  'v1/Service': { model: Service, fields: 'V1Service' },
  'v1/ServiceAccount': { model: ServiceAccount, fields: 'V1ServiceAccount' },
  'apps/v1/Deployment': { model: Deployment, fields: 'V1Deployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, fields: 'V1StatefulSet' },
  'batch/v1/Job': { model: Job, fields: 'V1Job' },
  'networking.k8s.io/v1/Ingress': { model: Ingress, fields: 'V1Ingress' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, fields: 'V1NetworkPolicy' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, fields: 'V1PodDisruptionBudget' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role, fields: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding, fields: 'V1RoleBinding' },
};

interface FieldType {
  baseName: string;
  type: string;
}
type FieldModel = { getAttributeTypeMap(): FieldType[] };
const fieldModels = clientModels as unknown as Record<string, FieldModel | undefined>;

function unknownFields(value: unknown, typeName: string, path: string): string[] {
  const arrayItem = /^Array<(.+)>$/.exec(typeName);
  if (arrayItem?.[1]) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((item, index) => unknownFields(item, arrayItem[1] as string, `${path}[${index}]`));
  }
  const model = fieldModels[typeName];
  if (!model?.getAttributeTypeMap || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const fields = new Map(model.getAttributeTypeMap().map((field) => [field.baseName, field.type]));
  return Object.entries(value).flatMap(([key, child]) => {
    const childType = fields.get(key);
    if (childType === undefined) return [`${path}.${key} is not a field of ${typeName}`];
    return unknownFields(child, childType, `${path}.${key}`);
  });
}

/**
 * ServiceMonitor is a Prometheus Operator CRD with no schema in the Kubernetes
 * OpenAPI document: only its structure is checked here.
 */
function serviceMonitorProblems(object: K8sObject): string[] {
  const spec = object.spec as { selector?: unknown; endpoints?: { port?: unknown; path?: unknown }[] } | undefined;
  const problems: string[] = [];
  if (typeof spec?.selector !== 'object') problems.push('spec.selector is missing');
  if (!Array.isArray(spec?.endpoints) || spec.endpoints.length === 0) problems.push('spec.endpoints is empty');
  for (const endpoint of spec?.endpoints ?? []) {
    if (typeof endpoint.port !== 'string') problems.push('every endpoint needs a named port');
    if (typeof endpoint.path !== 'string' || !endpoint.path.startsWith('/')) problems.push('every endpoint needs a path');
  }
  return problems;
}

/** Schema problems of one rendered object; an empty list means valid. */
export function schemaProblems(object: K8sObject): string[] {
  const where = objectKey(object);
  if (object.apiVersion === 'monitoring.coreos.com/v1' && object.kind === 'ServiceMonitor') {
    return serviceMonitorProblems(object).map((problem) => `${where}: ${problem}`);
  }
  const known = builtInKinds[`${object.apiVersion}/${object.kind}`];
  if (!known) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  const problems: string[] = [];
  try {
    new known.model(object as never).validate();
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
  }
  return [...problems, ...unknownFields(object, known.fields, where)];
}

export function schemaProblemsOfAll(objects: K8sObject[]): string[] {
  return objects.flatMap(schemaProblems);
}
