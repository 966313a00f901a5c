import type { BatchV1Api, CoreV1Api, V1Job, V1Pod } from '@kubernetes/client-node';
import type { ApiCaller } from './apiRetry.js';
import { jobNameOfPod } from './installWatch.js';

const PAGE_SIZE = 500;

/** Every item of a paged list, following `continue` tokens. */
export async function listAll<T>(fetchPage: (page: { _continue?: string }) => Promise<{ items: T[]; metadata?: { _continue?: string } }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token ? { _continue: token } : {});
    items.push(...page.items);
    token = page.metadata?._continue || undefined;
  } while (token);
  return items;
}

export interface InstallSnapshot {
  jobs: Map<string, V1Job>;
  podsByJob: Map<string, V1Pod[]>;
}

/** The Jobs and pods of this install as the API server has them now, for the reconcile. */
export async function listInstall(callApi: ApiCaller, batch: BatchV1Api, core: CoreV1Api, namespace: string, labelSelector: string): Promise<InstallSnapshot> {
  const [jobs, pods] = await Promise.all([
    listAll((page) => callApi('list Jobs', () => batch.listNamespacedJob({ namespace, labelSelector, limit: PAGE_SIZE, ...page }))),
    listAll((page) => callApi('list pods', () => core.listNamespacedPod({ namespace, labelSelector, limit: PAGE_SIZE, ...page }))),
  ]);
  const podsByJob = new Map<string, V1Pod[]>();
  for (const pod of pods) {
    const jobName = jobNameOfPod(pod);
    if (jobName) podsByJob.set(jobName, [...(podsByJob.get(jobName) ?? []), pod]);
  }
  return { jobs: new Map(jobs.map((job) => [job.metadata?.name ?? '', job])), podsByJob };
}
