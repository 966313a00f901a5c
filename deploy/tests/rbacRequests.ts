import type { K8sObject } from './manifests.js';

export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

/** What the API server's authorizer sees in a request. */
export interface ResourceAttributes {
  apiGroup: string;
  /** with the subresource, as RBAC names it: "pods/log" */
  resource: string;
  verb: string;
  namespace?: string;
}

const methodVerbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };

/**
 * Maps a REST call to the attributes RBAC checks, as the API server does:
 * GET is get, list or watch; DELETE on a collection is deletecollection.
 */
export function resourceAttributesOf(request: ApiRequest): ResourceAttributes {
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const [prefix, ...rest] = segments;
  const apiGroup = prefix === 'api' ? '' : (rest.shift() ?? '');
  rest.shift();
  const namespace = rest[0] === 'namespaces' && rest.length > 2 ? rest[1] : undefined;
  const [resource = '', name, subresource] = namespace === undefined ? rest : rest.slice(2);
  const watch = request.query.watch === 'true' || request.query.watch === '1';
  let verb: string;
  if (request.method === 'GET') verb = watch ? 'watch' : name === undefined ? 'list' : 'get';
  else if (request.method === 'DELETE') verb = name === undefined ? 'deletecollection' : 'delete';
  else verb = methodVerbs[request.method] ?? request.method.toLowerCase();
  return { apiGroup, resource: subresource ? `${resource}/${subresource}` : resource, verb, ...(namespace ? { namespace } : {}) };
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}

/** Whether a namespaced Role lets a request through; cluster-wide requests never pass a Role. */
export function roleAllows(role: K8sObject, attributes: ResourceAttributes): boolean {
  if (role.kind !== 'Role' || attributes.namespace !== role.metadata.namespace) return false;
  return ((role.rules ?? []) as PolicyRule[]).some(
    (rule) =>
      (rule.apiGroups ?? []).includes(attributes.apiGroup) &&
      (rule.resources ?? []).includes(attributes.resource) &&
      (rule.verbs ?? []).includes(attributes.verb),
  );
}

export function describeAttributes({ verb, apiGroup, resource, namespace }: ResourceAttributes): string {
  return `${verb} ${apiGroup || 'core'}/${resource}${namespace ? ` in ${namespace}` : ' cluster-wide'}`;
}
