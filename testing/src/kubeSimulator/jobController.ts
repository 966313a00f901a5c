import { randomUUID } from 'node:crypto';
import type { Kubelet, PodEnd } from './kubelet.js';
import type { ObjectStore } from './store.js';
import type { Condition, Job, JobStatus, Pod } from './types.js';

/**
 * The simulator's Job controller: one pod per Job at a time, retries up to
 * `backoffLimit`, `activeDeadlineSeconds`, `ttlSecondsAfterFinished` and
 * deletion with propagation. Parallelism, completions > 1, pod failure
 * policies and suspend are not modelled.
 */
export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
const JOB_NAME = 'batch.kubernetes.io/job-name';
const FOREGROUND_POLL_MS = 50;

export class JobController {
  private readonly timers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private readonly store: ObjectStore,
    private readonly kubelet: Kubelet,
  ) {}

  /** Server-side defaults the API server adds to a Job before storing it. */
  admit(job: Job): Job {
    const uid = randomUUID();
    const name = job.metadata.name ?? '';
    const selectorLabels = { [CONTROLLER_UID]: uid };
    const templateLabels = { ...job.spec.template.metadata?.labels, ...selectorLabels, [JOB_NAME]: name, 'controller-uid': uid, 'job-name': name };
    return {
      ...job,
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...job.metadata, uid },
      spec: {
        backoffLimit: 6,
        completions: 1,
        parallelism: 1,
        ...job.spec,
        selector: { matchLabels: selectorLabels },
        template: { ...job.spec.template, metadata: { ...job.spec.template.metadata, labels: templateLabels } },
      },
      status: {},
    };
  }

  /** Called once the Job is stored: start its first pod and its deadline clock. */
  started(job: Job): void {
    const namespace = job.metadata.namespace ?? 'default';
    const name = job.metadata.name ?? '';
    const startTime = timestamp();
    this.updateStatus(namespace, name, (status) => ({ ...status, startTime, active: 1 }));
    const deadline = job.spec.activeDeadlineSeconds;
    if (deadline !== undefined) this.addTimer(namespace, name, setTimeout(() => this.deadlineExceeded(namespace, name), deadline * 1000));
    this.createPod(namespace, name);
  }

  onPodEnded(pod: Pod, end: PodEnd): void {
    const owner = pod.metadata.ownerReferences?.find((ref) => ref.kind === 'Job' && ref.controller);
    const namespace = pod.metadata.namespace ?? 'default';
    if (!owner) return;
    const job = this.store.get('jobs', namespace, owner.name) as Job | undefined;
    if (!job || job.metadata.uid !== owner.uid || isFinished(job) || job.metadata.deletionTimestamp) return;
    if (end === 'terminated' && pod.status?.phase === 'Succeeded') {
      this.finish(namespace, owner.name, { type: 'Complete', status: 'True' }, (status) => ({ ...status, active: 0, succeeded: 1 }));
      return;
    }
    const failed = (job.status?.failed ?? 0) + 1;
    if (failed > (job.spec.backoffLimit ?? 6)) {
      this.finish(
        namespace,
        owner.name,
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        (status) => ({ ...status, active: 0, failed }),
      );
      return;
    }
    this.updateStatus(namespace, owner.name, (status) => ({ ...status, failed }));
    this.createPod(namespace, owner.name);
  }

  /** DELETE on a Job. Without a policy, batch/v1 Jobs orphan their pods, as the real API does. */
  deleteJob(namespace: string, name: string, policy: PropagationPolicy = 'Orphan'): Job | undefined {
    const job = this.store.get('jobs', namespace, name) as Job | undefined;
    if (!job) return undefined;
    this.clearTimers(namespace, name);
    const pods = this.podsOf(job);
    if (policy === 'Orphan') {
      for (const pod of pods) {
        this.store.update('pods', namespace, pod.metadata.name ?? '', (object) => {
          object.metadata.ownerReferences = (object.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== job.metadata.uid);
        });
      }
      return this.store.remove('jobs', namespace, name) as Job | undefined;
    }
    if (policy === 'Background') {
      const removed = this.store.remove('jobs', namespace, name) as Job | undefined;
      for (const pod of pods) this.kubelet.deletePod(namespace, pod.metadata.name ?? '');
      return removed;
    }
    const marked = this.store.update('jobs', namespace, name, (object) => {
      object.metadata.deletionTimestamp = timestamp();
      object.metadata.finalizers = [...(object.metadata.finalizers ?? []), 'foregroundDeletion'];
    }) as Job | undefined;
    for (const pod of pods) this.kubelet.deletePod(namespace, pod.metadata.name ?? '');
    const waitForPods = () => {
      if (this.podsOf(job).length === 0) this.store.remove('jobs', namespace, name);
      else this.addTimer(namespace, name, setTimeout(waitForPods, FOREGROUND_POLL_MS));
    };
    waitForPods();
    return marked;
  }

  close(): void {
    for (const timers of this.timers.values()) for (const timer of timers) clearTimeout(timer);
    this.timers.clear();
  }

  private createPod(namespace: string, jobName: string): void {
    const job = this.store.get('jobs', namespace, jobName) as Job | undefined;
    if (!job) return;
    const template = job.spec.template;
    const pod = this.store.create('pods', namespace, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${jobName}-`,
        labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations ?? {},
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...structuredClone(template.spec) },
      status: { phase: 'Pending' },
    }) as Pod;
    setImmediate(() => this.kubelet.start(pod));
  }

  private deadlineExceeded(namespace: string, name: string): void {
    const job = this.store.get('jobs', namespace, name) as Job | undefined;
    if (!job || isFinished(job)) return;
    const pods = this.podsOf(job);
    this.finish(
      namespace,
      name,
      { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
      (status) => ({ ...status, active: 0, failed: (status.failed ?? 0) + pods.length }),
    );
    for (const pod of pods) this.kubelet.deletePod(namespace, pod.metadata.name ?? '');
  }

  private finish(namespace: string, name: string, condition: Condition, change: (status: JobStatus) => JobStatus): void {
    const now = timestamp();
    const updated = this.updateStatus(namespace, name, (status) => ({
      ...change(status),
      ...(condition.type === 'Complete' ? { completionTime: now } : {}),
      conditions: [...(status.conditions ?? []), { ...condition, lastProbeTime: now, lastTransitionTime: now }],
    }));
    this.clearTimers(namespace, name);
    const ttl = updated?.spec.ttlSecondsAfterFinished;
    if (ttl !== undefined) this.addTimer(namespace, name, setTimeout(() => this.deleteJob(namespace, name, 'Background'), ttl * 1000));
  }

  private updateStatus(namespace: string, name: string, change: (status: JobStatus) => JobStatus): Job | undefined {
    return this.store.update('jobs', namespace, name, (object) => {
      const job = object as Job;
      job.status = change(job.status ?? {});
    }) as Job | undefined;
  }

  private podsOf(job: Job): Pod[] {
    const uid = job.metadata.uid ?? '';
    return this.store.list({
      resource: 'pods',
      namespace: job.metadata.namespace,
      requirements: [{ key: CONTROLLER_UID, op: 'in', values: [uid] }],
    }) as Pod[];
  }

  private addTimer(namespace: string, name: string, timer: NodeJS.Timeout): void {
    const key = `${namespace}/${name}`;
    this.timers.set(key, [...(this.timers.get(key) ?? []), timer]);
  }

  private clearTimers(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    for (const timer of this.timers.get(key) ?? []) clearTimeout(timer);
    this.timers.delete(key);
  }
}

export function isFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
