import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultState, RequestFault } from './faults.js';
import type { JobController, PropagationPolicy } from './jobController.js';
import type { Kubelet } from './kubelet.js';
import { parseLabelSelector, SelectorError } from './labelSelector.js';
import { groupOf, type ObjectStore, type ResourceName } from './store.js';
import { StatusError, statusErrors } from './statusError.js';
import type { Job, KubeObject, Secret } from './types.js';
import type { WatchHub } from './watchHub.js';

/**
 * The REST surface: `batch/v1` Jobs, `v1` Pods (+ `pods/log`) and `v1`
 * Secrets, namespaced or across namespaces, with the request and answer
 * shapes of the real API server. PUT/PATCH are not modelled.
 */
export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  at: number;
  /** the JSON body of a create, as the client sent it */
  body?: unknown;
}

export interface RouteContext {
  store: ObjectStore;
  faults: FaultState;
  jobs: JobController;
  kubelet: Kubelet;
  watches: WatchHub;
  requests: RequestRecord[];
}

interface Target {
  resource: ResourceName;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

const KINDS: Record<ResourceName, { kind: string; apiVersion: string }> = {
  jobs: { kind: 'Job', apiVersion: 'batch/v1' },
  pods: { kind: 'Pod', apiVersion: 'v1' },
  secrets: { kind: 'Secret', apiVersion: 'v1' },
};

const PATH = /^\/(?:apis\/batch\/v1|api\/v1)(?:\/namespaces\/([^/]+))?\/(jobs|pods|secrets)(?:\/([^/]+))?(?:\/([^/]+))?$/;

export async function handleRequest(context: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const method = req.method ?? 'GET';
  const record: RequestRecord = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 200, at: Date.now() };
  context.requests.push(record);
  try {
    const fault = context.faults.takeRequestFault(method, url.pathname);
    if (fault) throw injectedError(fault, method, url.pathname);
    if (url.pathname === '/version') return sendJson(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0-simulator' }, record);
    const target = parseTarget(url.pathname);
    if (!target) throw new StatusError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    await route(context, target, method, url.searchParams, req, res, record);
  } catch (error) {
    const status = error instanceof StatusError ? error : error instanceof SelectorError ? statusErrors.badRequest(error.message) : statusErrors.internal(String(error));
    if (res.headersSent) {
      res.end();
      return;
    }
    if (status.code === 429) res.setHeader('retry-after', String(status.details?.retryAfterSeconds ?? 1));
    sendJson(res, status.code, status.toBody(), record);
  }
}

function injectedError(fault: RequestFault, method: string, path: string): StatusError {
  switch (fault.status) {
    case 403:
      return statusErrors.forbidden(method, path);
    case 429:
      return statusErrors.tooManyRequests(fault.retryAfterSeconds ?? 1);
    case 500:
      return statusErrors.internal('injected fault');
    case 503:
      return new StatusError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
  }
}

function parseTarget(pathname: string): Target | undefined {
  const match = PATH.exec(pathname);
  if (!match) return undefined;
  const resource = match[2] as ResourceName;
  const apiGroupOk = pathname.startsWith('/apis/batch/v1') === (resource === 'jobs');
  if (!apiGroupOk) return undefined;
  return { namespace: match[1], resource, name: match[3], subresource: match[4] };
}

async function route(
  context: RouteContext,
  target: Target,
  method: string,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
): Promise<void> {
  const { store } = context;
  const { resource, namespace, name } = target;
  const group = groupOf(resource);
  if (name === undefined) {
    if (method === 'GET') {
      const filter = { resource, namespace, requirements: parseLabelSelector(query.get('labelSelector')) };
      if (query.get('watch') === 'true' || query.get('watch') === '1') {
        record.status = 200;
        context.watches.serve(filter, query, res);
        return;
      }
      return sendJson(res, 200, listPage(store, filter, KINDS[resource], query), record);
    }
    if (method === 'POST' && namespace !== undefined) {
      const body = (await readJson(req)) as KubeObject;
      record.body = structuredClone(body);
      if (body.metadata?.namespace !== undefined && body.metadata.namespace !== namespace) {
        throw statusErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      return sendJson(res, 201, create(context, resource, namespace, body), record);
    }
    throw statusErrors.methodNotAllowed(method);
  }
  if (namespace === undefined) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  if (target.subresource === 'log' && resource === 'pods' && method === 'GET') {
    if (!store.get('pods', namespace, name)) throw statusErrors.notFound(resource, group, name);
    record.status = 200;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(context.kubelet.logs(namespace, name) ?? '');
    return;
  }
  if (target.subresource !== undefined) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  if (method === 'GET') {
    const found = store.get(resource, namespace, name);
    if (!found) throw statusErrors.notFound(resource, group, name);
    return sendJson(res, 200, withKind(found, KINDS[resource]), record);
  }
  if (method === 'DELETE') {
    const options = ((await readJson(req, true)) ?? {}) as { propagationPolicy?: string };
    const policy = (query.get('propagationPolicy') ?? options.propagationPolicy) as PropagationPolicy | undefined;
    const removed = remove(context, resource, namespace, name, policy);
    if (!removed) throw statusErrors.notFound(resource, group, name);
    return sendJson(
      res,
      200,
      { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group, kind: resource, uid: removed.metadata.uid } },
      record,
    );
  }
  throw statusErrors.methodNotAllowed(method);
}

function create(context: RouteContext, resource: ResourceName, namespace: string, body: KubeObject): KubeObject {
  const kind = KINDS[resource];
  if (resource === 'jobs') {
    const job = body as Job;
    if (!job.spec?.template?.spec?.containers?.length) {
      throw statusErrors.invalid(resource, 'batch', job.metadata?.name ?? '', 'spec.template.spec.containers: Required value');
    }
    const stored = context.store.create('jobs', namespace, context.jobs.admit(job)) as Job;
    setImmediate(() => context.jobs.started(stored));
    return withKind(stored, kind);
  }
  if (resource === 'secrets') {
    const secret = body as Secret;
    const data = { ...secret.data };
    for (const [key, value] of Object.entries(secret.stringData ?? {})) data[key] = Buffer.from(value, 'utf8').toString('base64');
    const { stringData: _ignored, ...rest } = secret;
    return withKind(context.store.create('secrets', namespace, { ...rest, type: secret.type ?? 'Opaque', data }), kind);
  }
  const pod = withKind(context.store.create('pods', namespace, { ...body, status: { phase: 'Pending' } }), kind);
  setImmediate(() => context.kubelet.start(pod as never));
  return pod;
}

function remove(context: RouteContext, resource: ResourceName, namespace: string, name: string, policy: PropagationPolicy | undefined): KubeObject | undefined {
  if (resource === 'jobs') return context.jobs.deleteJob(namespace, name, policy);
  if (resource === 'pods') {
    const pod = context.store.get('pods', namespace, name);
    if (pod) context.kubelet.deletePod(namespace, name);
    return pod;
  }
  return context.store.remove(resource, namespace, name);
}

function listPage(store: ObjectStore, filter: Parameters<ObjectStore['list']>[0], kind: { kind: string; apiVersion: string }, query: URLSearchParams) {
  const all = store.list(filter);
  const limit = Number(query.get('limit') ?? '0');
  const token = query.get('continue');
  const after = token ? decodeContinue(token) : undefined;
  const remaining = after === undefined ? all : all.filter((o) => `${o.metadata.namespace}/${o.metadata.name}` > after);
  const page = limit > 0 ? remaining.slice(0, limit) : remaining;
  const more = remaining.length > page.length;
  const last = page[page.length - 1];
  return {
    kind: `${kind.kind}List`,
    apiVersion: kind.apiVersion,
    metadata: {
      resourceVersion: String(store.resourceVersion),
      ...(more && last ? { continue: encodeContinue(`${last.metadata.namespace}/${last.metadata.name}`), remainingItemCount: remaining.length - page.length } : {}),
    },
    items: page.map((o) => withKind(o, kind)),
  };
}

function encodeContinue(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw statusErrors.badRequest('continue key is not valid');
}

function withKind(object: KubeObject, kind: { kind: string; apiVersion: string }): KubeObject {
  return { ...object, kind: kind.kind, apiVersion: kind.apiVersion };
}

async function readJson(req: IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    if (optional) return undefined;
    throw statusErrors.badRequest('request body is empty');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw statusErrors.badRequest('request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, record: RequestRecord): void {
  record.status = status;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
