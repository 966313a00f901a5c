import { BatchV1Api, CoreV1Api, makeInformer, type Informer, type KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeApiError } from './apiRetry.js';
import { JOB_NAME_LABEL } from './labels.js';

/**
 * One label-scoped informer for the Jobs and one for the pods of this
 * install. The client re-lists by itself after a 410; any other watch or
 * list error stops its informer, so this restarts it after a growing delay.
 * Watches can also die silently: the launcher pairs this with a periodic
 * list-based reconcile.
 */
export interface InstallWatchHandlers {
  /** a Job of this install changed; `undefined` when it was deleted */
  onJob(name: string, job: V1Job | undefined): void;
  /** a pod of that Job changed or went away */
  onPods(jobName: string): void;
}

export interface InstallWatch {
  start(): Promise<void>;
  podsOf(jobName: string): V1Pod[];
  close(): Promise<void>;
}

export interface InstallWatchOptions {
  namespace: string;
  labelSelector: string;
  restartDelayMs: { initial: number; max: number };
}

export function jobNameOfPod(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[JOB_NAME_LABEL] ?? pod.metadata?.labels?.['job-name'];
}

export function watchInstall(kubeConfig: KubeConfig, options: InstallWatchOptions, handlers: InstallWatchHandlers, logger: Logger): InstallWatch {
  const { namespace, labelSelector } = options;
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const jobs = makeInformer<V1Job>(kubeConfig, `/apis/batch/v1/namespaces/${namespace}/jobs`, () => batch.listNamespacedJob({ namespace, labelSelector }), labelSelector);
  const pods = makeInformer<V1Pod>(kubeConfig, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace, labelSelector }), labelSelector);
  let closed = false;
  const restartTimers = new Set<NodeJS.Timeout>();

  jobs.on('add', (job) => handlers.onJob(job.metadata?.name ?? '', job));
  jobs.on('update', (job) => handlers.onJob(job.metadata?.name ?? '', job));
  jobs.on('delete', (job) => handlers.onJob(job.metadata?.name ?? '', undefined));
  const podChanged = (pod: V1Pod) => {
    const jobName = jobNameOfPod(pod);
    if (jobName) handlers.onPods(jobName);
  };
  for (const verb of ['add', 'update', 'delete'] as const) pods.on(verb, podChanged);

  const keepRunning = (what: string, informer: Informer<V1Job> | Informer<V1Pod>) => {
    let delay = options.restartDelayMs.initial;
    informer.on('connect', () => {
      delay = options.restartDelayMs.initial;
    });
    informer.on('error', (error: unknown) => {
      if (closed) return;
      logger.warn({ err: describeApiError(error), retryInMs: delay }, `${what} watch failed; restarting it`);
      const timer = setTimeout(() => {
        restartTimers.delete(timer);
        if (!closed) void informer.start();
      }, delay);
      restartTimers.add(timer);
      delay = Math.min(delay * 2, options.restartDelayMs.max);
    });
  };
  keepRunning('Job', jobs);
  keepRunning('pod', pods);

  return {
    start: async () => {
      await Promise.all([jobs.start(), pods.start()]);
    },
    podsOf: (jobName) => pods.list(namespace).filter((pod) => jobNameOfPod(pod) === jobName),
    close: async () => {
      closed = true;
      for (const timer of restartTimers) clearTimeout(timer);
      restartTimers.clear();
      await Promise.all([jobs.stop(), pods.stop()]);
    },
  };
}
