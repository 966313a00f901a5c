import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { FaultState, type SimulatorFaults } from './faults.js';
import { JobController } from './jobController.js';
import { Kubelet } from './kubelet.js';
import { handleRequest, type RequestRecord } from './routes.js';
import { ObjectStore } from './store.js';
import type { Job, Pod } from './types.js';
import { WatchHub } from './watchHub.js';

/**
 * A Kubernetes API *simulator* for tests (there is no cluster on the
 * development machines). It speaks the real REST shapes of batch/v1 Jobs,
 * v1 Pods, pods/log and v1 Secrets on 127.0.0.1, and its single "kubelet"
 * runs each Job's container command as a local process. See README.md for
 * what it does not model.
 */
export type { RequestRecord } from './routes.js';
export type { SimulatorFaults, RequestFault } from './faults.js';
export type { Job as SimulatedJob, Pod as SimulatedPod } from './types.js';

export interface KubeSimulatorOptions {
  /** working directory of pod processes; defaults to the repository root */
  cwd?: string;
  /** base environment of pod processes, under the pod's own env; defaults to PATH only */
  env?: Record<string, string>;
  /** how often idle watches get a BOOKMARK */
  bookmarkIntervalMs?: number;
}

export interface KubeSimulator {
  readonly url: string;
  /** a kubeconfig file pointing at the simulator */
  readonly kubeconfigPath: string;
  kubeConfig(): KubeConfig;
  readonly faults: SimulatorFaults;
  jobs(namespace?: string): Job[];
  pods(namespace?: string): Pod[];
  /** every request the simulator answered, oldest first */
  requests(): RequestRecord[];
  createSecret(namespace: string, name: string, stringData: Record<string, string>): void;
  close(): Promise<void>;
}

const REPOSITORY_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export async function startKubeSimulator(options: KubeSimulatorOptions = {}): Promise<KubeSimulator> {
  const store = new ObjectStore();
  const faults = new FaultState();
  let jobs: JobController | undefined;
  const kubelet = new Kubelet({
    store,
    faults,
    cwd: options.cwd ?? REPOSITORY_ROOT,
    env: options.env ?? { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin' },
    onPodEnded: (pod, end) => jobs?.onPodEnded(pod, end),
  });
  jobs = new JobController(store, kubelet);
  const watches = new WatchHub(store, faults, options.bookmarkIntervalMs ?? 5_000);
  const requests: RequestRecord[] = [];
  const context = { store, faults, jobs, kubelet, watches, requests };
  const server = createServer((req, res) => void handleRequest(context, req, res));
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const directory = await mkdtemp(join(tmpdir(), 'kube-simulator-'));
  const kubeconfigPath = join(directory, 'kubeconfig');
  const kubeconfig = kubeconfigFor(url);
  await writeFile(kubeconfigPath, kubeconfig);

  const podsOfJob = (jobName: string) =>
    store.list({ resource: 'pods', namespace: undefined, requirements: [{ key: 'batch.kubernetes.io/job-name', op: 'in', values: [jobName] }] });
  const controller = jobs;
  const simulatorFaults: SimulatorFaults = {
    failRequests: (fault) => faults.requestFaults.push({ ...fault }),
    dropWatches: () => watches.closeAll(),
    stallWatches: (stalled, resource) => {
      for (const each of resource ? [resource] : (['jobs', 'pods', 'secrets'] as const)) {
        if (stalled) faults.stalledWatches.add(each);
        else faults.stalledWatches.delete(each);
      }
      if (stalled) watches.stall(resource);
    },
    expireWatchHistory: () => store.compact(),
    evictPod: (jobName, message = 'The node was low on resource: memory. ') =>
      podsOfJob(jobName).some((pod) => kubelet.evict(pod.metadata.namespace ?? '', pod.metadata.name ?? '', message)),
    loseNode: (jobName) => podsOfJob(jobName).some((pod) => kubelet.loseNode(pod.metadata.namespace ?? '', pod.metadata.name ?? '')),
    failImagePull: (image) => faults.imagePullFailures.add(image),
    setUnschedulable: (unschedulable) => {
      faults.unschedulable = unschedulable;
    },
    reset: () => faults.reset(),
  };

  let closing: Promise<void> | undefined;
  return {
    url,
    kubeconfigPath,
    kubeConfig: () => {
      const config = new KubeConfig();
      config.loadFromString(kubeconfig);
      return config;
    },
    faults: simulatorFaults,
    jobs: (namespace) => store.list({ resource: 'jobs', namespace, requirements: [] }) as Job[],
    pods: (namespace) => store.list({ resource: 'pods', namespace, requirements: [] }) as Pod[],
    requests: () => [...requests],
    createSecret: (namespace, name, stringData) => {
      const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
      store.create('secrets', namespace, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', data });
    },
    close: () => {
      closing ??= (async () => {
        controller.close();
        watches.destroyAll();
        server.closeAllConnections();
        await Promise.allSettled([new Promise<void>((done) => server.close(() => done())), kubelet.close()]);
        await rm(directory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** JSON is YAML, so the kubeconfig is written as JSON. Plain http needs insecure-skip-tls-verify for client-node. */
function kubeconfigFor(url: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'simulator', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'simulator', user: { token: 'simulator-token' } }],
      contexts: [{ name: 'simulator', context: { cluster: 'simulator', user: 'simulator', namespace: 'default' } }],
      'current-context': 'simulator',
    },
    null,
    2,
  );
}
