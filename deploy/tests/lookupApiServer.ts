import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Kinds the chart renders, by group version, as API discovery lists them. */
const discovery: Record<string, { name: string; kind: string }[]> = {
  v1: [
    { name: 'configmaps', kind: 'ConfigMap' },
    { name: 'pods', kind: 'Pod' },
    { name: 'secrets', kind: 'Secret' },
    { name: 'services', kind: 'Service' },
    { name: 'serviceaccounts', kind: 'ServiceAccount' },
  ],
  'apps/v1': [
    { name: 'deployments', kind: 'Deployment' },
    { name: 'statefulsets', kind: 'StatefulSet' },
  ],
  'batch/v1': [{ name: 'jobs', kind: 'Job' }],
  'networking.k8s.io/v1': [
    { name: 'ingresses', kind: 'Ingress' },
    { name: 'networkpolicies', kind: 'NetworkPolicy' },
  ],
  'policy/v1': [{ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget' }],
  'rbac.authorization.k8s.io/v1': [
    { name: 'roles', kind: 'Role' },
    { name: 'rolebindings', kind: 'RoleBinding' },
  ],
};

export interface LookupApiServer {
  kubeconfigPath: string;
  /** Secret reads Helm made, as "namespace/name" */
  secretReads(): string[];
  close(): Promise<void>;
}

/**
 * Just enough of an API server for `helm template --dry-run=server`: version
 * and discovery, so Helm can map the chart's kinds, and reads of the given
 * Secrets, owned by `release` as an earlier install (or one kept across an
 * uninstall) leaves them, so the chart's `lookup` sees them. Every other
 * object is absent.
 */
export async function startLookupApiServer(
  { namespace, release }: { namespace: string; release: string },
  secrets: Record<string, Record<string, string>>,
): Promise<LookupApiServer> {
  const reads: string[] = [];
  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/version') return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
    if (path === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') {
      const groups = Object.keys(discovery)
        .filter((groupVersion) => groupVersion.includes('/'))
        .map((groupVersion) => {
          const [name, version] = groupVersion.split('/');
          const preferred = { groupVersion, version };
          return { name, versions: [preferred], preferredVersion: preferred };
        });
      return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    const groupVersion = path === '/api/v1' ? 'v1' : path.replace(/^\/apis\//, '');
    const resources = discovery[groupVersion];
    if (resources) {
      const listed = resources.map(({ name, kind }) => ({ name, kind, namespaced: true, singularName: '', verbs: ['get', 'list'] }));
      return send(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: listed });
    }
    const secret = new RegExp(`^/api/v1/namespaces/${namespace}/secrets/([^/]+)$`).exec(path)?.[1];
    if (secret && req.method === 'GET') reads.push(`${namespace}/${secret}`);
    const data = secret ? secrets[secret] : undefined;
    if (data && req.method === 'GET') {
      const encoded = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
      const metadata = {
        name: secret,
        namespace,
        resourceVersion: '1',
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': namespace },
      };
      return send(res, 200, { kind: 'Secret', apiVersion: 'v1', metadata, type: 'Opaque', data: encoded });
    }
    return send(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${path} not found` });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  const directory = await mkdtemp(join(tmpdir(), 'flow-like-lookup-'));
  const kubeconfigPath = join(directory, 'kubeconfig');
  await writeFile(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: stand-in, cluster: {server: "http://127.0.0.1:${port}"}}]`,
      'users: [{name: stand-in, user: {token: stand-in}}]',
      `contexts: [{name: stand-in, context: {cluster: stand-in, user: stand-in, namespace: ${namespace}}}]`,
      'current-context: stand-in',
      '',
    ].join('\n'),
  );
  return {
    kubeconfigPath,
    secretReads: () => [...reads],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}
