import { containersOf, objectKey, podSpecOf, type Container, type K8sObject, type PodSpec } from './manifests.js';

/** Env names and ConfigMap keys that would hold a credential if given a value. */
const credentialName = /(PASSWORD|TOKEN|SECRET_ACCESS_KEY|ACCESS_KEY_ID|DATABASE_URL|REDIS_URL)$/;
const credentialInUrl = /:\/\/[^/\s:@]*:[^/\s@]+@/;

/** The launcher's needs, and nothing more. */
export const dispatcherRules = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
];

export function imageProblems(image: string | undefined): string[] {
  if (!image) return ['has no image'];
  if (image.includes('@sha256:')) return [];
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon === -1) return [`image ${image} has no tag`];
  if (lastSegment.slice(colon + 1) === 'latest') return [`image ${image} uses the latest tag`];
  return [];
}

function resourceProblems(container: Container): string[] {
  const { requests = {}, limits = {} } = container.resources ?? {};
  const problems: string[] = [];
  for (const resource of ['cpu', 'memory']) {
    if (!requests[resource]) problems.push(`has no ${resource} request`);
    if (!limits[resource]) problems.push(`has no ${resource} limit`);
  }
  return problems;
}

function securityProblems(podSpec: PodSpec, container: Container): string[] {
  const pod = podSpec.securityContext ?? {};
  const own = container.securityContext ?? {};
  const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
  const runAsUser = own.runAsUser ?? pod.runAsUser;
  const capabilities = own.capabilities as { drop?: string[]; add?: string[] } | undefined;
  const problems: string[] = [];
  if (runAsNonRoot !== true) problems.push('may run as root (runAsNonRoot is not true)');
  if (typeof runAsUser !== 'number' || runAsUser === 0) problems.push('has no numeric non-root runAsUser');
  if (own.privileged === true) problems.push('is privileged');
  if (own.allowPrivilegeEscalation !== false) problems.push('allows privilege escalation');
  if (own.readOnlyRootFilesystem !== true) problems.push('has a writable root filesystem');
  if (!capabilities?.drop?.includes('ALL')) problems.push('does not drop ALL capabilities');
  if (capabilities?.add?.length) problems.push(`adds capabilities ${capabilities.add.join(',')}`);
  return problems;
}

function envProblems(container: Container): string[] {
  return (container.env ?? []).flatMap((variable) => {
    if (variable.value === undefined) return [];
    if (credentialName.test(variable.name)) return [`puts ${variable.name} in plain env instead of a secretKeyRef`];
    if (credentialInUrl.test(variable.value)) return [`puts credentials in the value of ${variable.name}`];
    return [];
  });
}

/** Pods that run until stopped need both probes; Jobs and test pods end by themselves. */
const longRunningKinds = ['Deployment', 'StatefulSet', 'DaemonSet'];

function probeProblems(object: K8sObject, container: Container): string[] {
  if (!longRunningKinds.includes(object.kind)) return [];
  return [
    ...(container.livenessProbe ? [] : ['has no liveness probe']),
    ...(container.readinessProbe ? [] : ['has no readiness probe']),
  ];
}

function podProblems(object: K8sObject, podSpec: PodSpec): string[] {
  const where = objectKey(object);
  const problems: string[] = [];
  const isDispatcher = object.metadata.labels?.['app.kubernetes.io/component'] === 'dispatcher';
  if (!isDispatcher && podSpec.automountServiceAccountToken !== false) {
    problems.push(`${where}: mounts a service-account token it does not need`);
  }
  for (const container of containersOf(podSpec)) {
    const at = `${where} container ${container.name}`;
    const own = [
      ...imageProblems(container.image),
      ...resourceProblems(container),
      ...probeProblems(object, container),
      ...securityProblems(podSpec, container),
      ...envProblems(container),
    ];
    problems.push(...own.map((problem) => `${at} ${problem}`));
  }
  return problems;
}

function configMapProblems(object: K8sObject): string[] {
  const data = (object.data ?? {}) as Record<string, string>;
  return Object.entries(data).flatMap(([key, value]) => {
    if (credentialName.test(key)) return [`${objectKey(object)} holds credential ${key}`];
    if (credentialInUrl.test(value)) return [`${objectKey(object)} holds credentials in ${key}`];
    if (key.endsWith('_IMAGE')) return imageProblems(value).map((problem) => `${objectKey(object)} ${key}: ${problem}`);
    return [];
  });
}

function sameRules(actual: unknown): boolean {
  const normalize = (rules: unknown) =>
    JSON.stringify(
      (rules as { apiGroups?: string[]; resources?: string[]; verbs?: string[] }[])
        .map((rule) => ({
          apiGroups: [...(rule.apiGroups ?? [])].sort(),
          resources: [...(rule.resources ?? [])].sort(),
          verbs: [...(rule.verbs ?? [])].sort(),
        }))
        .sort((a, b) => a.resources.join().localeCompare(b.resources.join())),
    );
  return Array.isArray(actual) && normalize(actual) === normalize(dispatcherRules);
}

function rbacProblems(object: K8sObject, objects: K8sObject[]): string[] {
  const where = objectKey(object);
  switch (object.kind) {
    case 'ClusterRole':
    case 'ClusterRoleBinding':
      return [`${where}: cluster-wide RBAC is never needed`];
    case 'Role': {
      const rules = object.rules as { verbs?: string[]; resources?: string[] }[] | undefined;
      const wildcard = (rules ?? []).some((rule) => [...(rule.verbs ?? []), ...(rule.resources ?? [])].includes('*'));
      if (wildcard) return [`${where}: uses a wildcard`];
      return sameRules(rules) ? [] : [`${where}: grants other rights than ${JSON.stringify(dispatcherRules)}`];
    }
    case 'RoleBinding': {
      const subjects = (object.subjects ?? []) as { kind: string; name: string }[];
      const roleRef = object.roleRef as { kind: string; name: string };
      const problems: string[] = [];
      if (roleRef.kind !== 'Role') problems.push(`${where}: binds a ${roleRef.kind}`);
      const dispatcherAccounts = objects
        .filter((candidate) => candidate.kind === 'Deployment' && candidate.metadata.labels?.['app.kubernetes.io/component'] === 'dispatcher')
        .map((deployment) => podSpecOf(deployment)?.serviceAccountName);
      for (const subject of subjects) {
        if (subject.kind !== 'ServiceAccount' || !dispatcherAccounts.includes(subject.name)) {
          problems.push(`${where}: grants rights to ${subject.kind} ${subject.name}, not the dispatcher`);
        }
      }
      return problems;
    }
    default:
      return [];
  }
}

/** Every broken deployment policy in a rendered set of objects; empty when all hold. */
export function policyViolations(objects: K8sObject[]): string[] {
  return objects.flatMap((object) => {
    const podSpec = podSpecOf(object);
    return [
      ...(podSpec ? podProblems(object, podSpec) : []),
      ...(object.kind === 'ConfigMap' ? configMapProblems(object) : []),
      ...rbacProblems(object, objects),
    ];
  });
}
