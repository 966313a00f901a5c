import { createHash } from 'node:crypto';

/**
 * Names and labels of executor Jobs. The Job name is derived from the
 * execution attempt alone, so a second create of the same attempt collides
 * (409) instead of starting a second Job.
 */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  executionId: 'flow-like.io/execution-id',
  project: 'flow-like.io/project',
  attempt: 'flow-like.io/attempt',
} as const;

/** Annotations keep the exact ids when a label value had to be shortened. */
export const ANNOTATIONS = {
  executionId: 'flow-like.io/execution-id',
  project: 'flow-like.io/project',
} as const;

export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_JOB_NAME = 63;

export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

function shortHash(value: string, length: number): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/** `value` itself when it is a valid label value, otherwise a valid, still unique stand-in. */
export function toLabelValue(value: string): string {
  if (isLabelValue(value)) return value;
  const cleaned = value.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 50).replace(/[^A-Za-z0-9]+$/, '');
  return cleaned === '' ? shortHash(value, 12) : `${cleaned}-${shortHash(value, 12)}`;
}

/** `fl-exec-<execution id without dashes>-<attempt>`: DNS-1123, at most 63 characters, one per attempt. */
export function jobNameFor(executionId: string, attempt: number): string {
  const suffix = `-${attempt}`;
  const room = MAX_JOB_NAME - 'fl-exec-'.length - suffix.length;
  const stripped = executionId.toLowerCase().replace(/[^a-z0-9]/g, '');
  // dropping dashes from a lowercase id cannot make two ids equal; anything else gets a hash for uniqueness
  const faithful = /^[a-z0-9-]+$/.test(executionId) && stripped.length > 0 && stripped.length <= room;
  const hash = shortHash(executionId, 12);
  const part = faithful ? stripped : stripped === '' ? hash : `${stripped.slice(0, room - hash.length - 1)}-${hash}`;
  return `fl-exec-${part}${suffix}`;
}

/** The labels every Job (and its pods) of this install carries. */
export function installLabels(instanceName: string): Record<string, string> {
  return {
    [LABELS.name]: 'flow-like',
    [LABELS.instance]: instanceName,
    [LABELS.component]: 'executor',
    [LABELS.managedBy]: 'flow-like-dispatcher',
  };
}

export function runLabels(instanceName: string, run: { executionId: string; projectId: string; attempt: number }): Record<string, string> {
  return {
    ...installLabels(instanceName),
    [LABELS.executionId]: toLabelValue(run.executionId),
    [LABELS.project]: toLabelValue(run.projectId),
    [LABELS.attempt]: String(run.attempt),
  };
}

export function selectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
