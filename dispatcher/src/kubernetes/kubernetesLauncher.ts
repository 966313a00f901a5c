import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Conflict, Unavailable } from '@flow-like/core';
import type { LaunchedRun, LaunchRequest, Launcher, RunOutcome } from '../launcher.js';
import { createApiCaller, DEFAULT_RETRY_POLICY, describeApiError, statusOf, type RetryPolicy } from './apiRetry.js';
import type { KubernetesLauncherConfig } from './env.js';
import { listAll, listInstall } from './installLists.js';
import { jobNameOfPod, watchInstall } from './installWatch.js';
import { buildJobManifest } from './jobManifest.js';
import { ANNOTATIONS, installLabels, JOB_NAME_LABEL, jobNameFor, LABELS, selectorOf, toLabelValue } from './labels.js';
import { systemClock, TokenBucket, type Clock } from './tokenBucket.js';
import { TrackedRun } from './trackedRun.js';

export interface KubernetesLauncherOptions {
  retry?: RetryPolicy;
  clock?: Clock;
  /** delay before restarting a failed watch; doubles up to `max` */
  watchRestartDelayMs?: { initial: number; max: number };
}

/**
 * Runs each attempt as a Kubernetes Job. Creating is idempotent by the
 * Job's name; the run is followed through one informer per kind for the
 * whole install plus a periodic list-based reconcile. Closing leaves Jobs
 * running: the next dispatcher re-attaches to them by label.
 */
export function createKubernetesLauncher(kubeConfig: KubeConfig, config: KubernetesLauncherConfig, logger: Logger, options: KubernetesLauncherOptions = {}): Launcher {
  const log = logger.child({ launcher: 'kubernetes', namespace: config.namespace });
  const { namespace } = config;
  const clock = options.clock ?? systemClock;
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const callApi = createApiCaller(new TokenBucket(config.api.qps, config.api.burst, clock), options.retry ?? DEFAULT_RETRY_POLICY, clock);
  const installSelector = selectorOf(installLabels(config.instanceName));
  /** runs by Job name, each with the reconcile generation it was tracked in */
  const runs = new Map<string, { run: TrackedRun; generation: number }>();
  let generation = 0;

  const watch = watchInstall(
    kubeConfig,
    { namespace, labelSelector: installSelector, restartDelayMs: options.watchRestartDelayMs ?? { initial: 1_000, max: 30_000 } },
    {
      onJob: (name, job) => runs.get(name)?.run.update({ job, pods: watch.podsOf(name) }),
      onPods: (jobName) => runs.get(jobName)?.run.update({ pods: watch.podsOf(jobName) }),
    },
    log,
  );

  let reconcileTimer: NodeJS.Timeout | undefined;
  let reconciling = false;
  /** Lists are the truth the watch may have missed; runs tracked after the list started are left to the next round. */
  const reconcile = async () => {
    if (reconciling || runs.size === 0) return;
    reconciling = true;
    const listedGeneration = ++generation;
    try {
      const { jobs, podsByJob } = await listInstall(callApi, batch, core, namespace, installSelector);
      for (const [name, entry] of runs) {
        if (entry.generation >= listedGeneration) continue;
        entry.run.update({ job: jobs.get(name), pods: podsByJob.get(name) ?? [] });
      }
    } catch (error) {
      log.warn({ err: describeApiError(error) }, 'reconcile list failed; trying again next round');
    } finally {
      reconciling = false;
    }
  };

  let starting: Promise<void> | undefined;
  let closed = false;
  const ensureStarted = () =>
    (starting ??= (async () => {
      await watch.start();
      if (closed) return;
      reconcileTimer = setInterval(() => void reconcile(), config.reconcileIntervalMs);
      reconcileTimer.unref();
    })());

  const deleteJob = async (name: string) => {
    try {
      await callApi(`delete Job ${name}`, () => batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  };

  const readPodsOf = async (jobName: string): Promise<V1Pod[]> => {
    const pods = await listAll((page) =>
      callApi('list pods', () => core.listNamespacedPod({ namespace, labelSelector: `${installSelector},${JOB_NAME_LABEL}=${jobName}`, limit: 50, ...page })),
    );
    return pods.filter((pod) => jobNameOfPod(pod) === jobName);
  };

  const track = (name: string, job: V1Job, pods: V1Pod[]): TrackedRun => {
    const existing = runs.get(name);
    if (existing) return existing.run;
    const run = new TrackedRun(
      {
        jobName: name,
        // a container that cannot be created (say, its Secret is not there yet) recovers on the same time scale as an image pull
        graceMs: { ImagePullBackOff: config.imagePullGraceMs, LaunchFailed: config.imagePullGraceMs, Unschedulable: config.unschedulableTimeoutMs },
        clock,
        deleteJob: () => deleteJob(name),
        readPods: () => readPodsOf(name),
        onSettled: (outcome) => {
          runs.delete(name);
          log.info({ job: name, outcome: outcome.kind === 'exited' ? 'exited' : outcome.reason }, 'run ended');
        },
        onError: (error, what) => log.warn({ job: name, err: describeApiError(error) }, `${what} failed`),
      },
      job,
      pods,
    );
    if (!run.isSettled) runs.set(name, { run, generation });
    return run;
  };

  const isRunOf = (job: V1Job, executionId: string, attempt: number) => {
    const labels = job.metadata?.labels ?? {};
    const exactId = job.metadata?.annotations?.[ANNOTATIONS.executionId];
    return (
      labels[LABELS.instance] === config.instanceName &&
      labels[LABELS.executionId] === toLabelValue(executionId) &&
      labels[LABELS.attempt] === String(attempt) &&
      (exactId === undefined || exactId === executionId)
    );
  };

  const adopt = async (name: string, request: LaunchRequest): Promise<V1Job> => {
    let existing: V1Job;
    try {
      existing = await callApi(`read Job ${name}`, () => batch.readNamespacedJob({ name, namespace }));
    } catch (error) {
      if (statusOf(error) === 404) throw new Unavailable('kubernetes', `Job ${name} was deleted while it was being adopted`);
      throw error;
    }
    if (!isRunOf(existing, request.executionId, request.attempt)) {
      const owner = existing.metadata?.annotations?.[ANNOTATIONS.executionId] ?? existing.metadata?.labels?.[LABELS.executionId] ?? 'unknown';
      throw new Conflict(
        `Job ${namespace}/${name} already exists and is not attempt ${request.attempt} of execution ${request.executionId} (it belongs to ${owner}, instance ${existing.metadata?.labels?.[LABELS.instance] ?? 'unknown'})`,
      );
    }
    log.info({ job: name }, 'adopted an existing Job for this attempt');
    return existing;
  };

  const launchFailed = (name: string, message: string): LaunchedRun => {
    const outcome: RunOutcome = { kind: 'failed', reason: 'LaunchFailed', message };
    return { runner: name, done: Promise.resolve(outcome), cancel: async () => {} };
  };

  return {
    detachedRuns: true,

    async launch(request) {
      await ensureStarted();
      const name = jobNameFor(request.executionId, request.attempt);
      const existing = runs.get(name);
      if (existing) return existing.run;
      let job: V1Job;
      try {
        job = await callApi(`create Job ${name}`, () => batch.createNamespacedJob({ namespace, body: buildJobManifest(request, config) }));
        log.info({ job: name, executionId: request.executionId, attempt: request.attempt }, 'created Job');
      } catch (error) {
        const status = statusOf(error);
        if (status === 409) job = await adopt(name, request);
        else if (status !== undefined && status >= 400 && status < 500) {
          log.error({ job: name, err: describeApiError(error) }, 'the API server refused the Job');
          return launchFailed(name, `the API server refused Job ${name}: ${describeApiError(error)}`);
        } else throw error;
      }
      return track(name, job, watch.podsOf(name));
    },

    async attach(executionId, attempt) {
      await ensureStarted();
      const name = jobNameFor(executionId, attempt);
      const existing = runs.get(name);
      if (existing) return existing.run;
      const selector = selectorOf({ ...installLabels(config.instanceName), [LABELS.executionId]: toLabelValue(executionId), [LABELS.attempt]: String(attempt) });
      const jobs = await listAll((page) => callApi('list Jobs', () => batch.listNamespacedJob({ namespace, labelSelector: selector, limit: 50, ...page })));
      const job = jobs.find((candidate) => isRunOf(candidate, executionId, attempt));
      const jobName = job?.metadata?.name;
      if (!job || !jobName) return undefined;
      const pods = await readPodsOf(jobName);
      log.info({ job: jobName }, 're-attached to a running Job');
      return track(jobName, job, pods);
    },

    async close() {
      closed = true;
      clearInterval(reconcileTimer);
      for (const { run } of runs.values()) run.detach();
      runs.clear();
      await watch.close();
    },
  };
}
