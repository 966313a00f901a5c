import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import type { FaultState } from './faults.js';
import { memoryBytes } from './quantity.js';
import type { ObjectStore } from './store.js';
import type { Container, ContainerState, Pod, PodStatus, Secret } from './types.js';

/**
 * The simulator's only node. It "runs" a pod by spawning the first
 * container's command as a local process with the pod's env (Secret
 * references resolved), reports phases and container states the way a real
 * kubelet does, and kills a process whose resident memory passes the
 * container's memory limit as OOMKilled. Images are never pulled: the image
 * name only matters to the image-pull-failure fault.
 */
export const NODE_NAME = 'simulated-node';
const MEMORY_POLL_MS = 100;
const IMAGE_PULL_BACKOFF_AFTER_MS = 500;
const LOG_LIMIT_BYTES = 1_000_000;

export type PodEnd = 'terminated' | 'vanished';

interface PodRun {
  namespace: string;
  name: string;
  child?: ChildProcess;
  timers: NodeJS.Timeout[];
  logs: string;
  exited: boolean;
  cause?: 'oom' | 'evicted' | 'lost';
  evictionMessage?: string;
  deleting: boolean;
}

export interface KubeletOptions {
  store: ObjectStore;
  faults: FaultState;
  cwd: string;
  env: Record<string, string>;
  /** told when a pod reaches Succeeded/Failed or disappears before that */
  onPodEnded: (pod: Pod, end: PodEnd) => void;
}

export class Kubelet {
  private readonly runs = new Map<string, PodRun>();

  constructor(private readonly options: KubeletOptions) {}

  start(pod: Pod): void {
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const run: PodRun = { namespace, name, timers: [], logs: '', exited: false, deleting: false };
    this.runs.set(key(namespace, name), run);
    const now = timestamp();
    if (this.options.faults.unschedulable) {
      this.setStatus(run, {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
            lastTransitionTime: now,
          },
        ],
      });
      return;
    }
    const container = pod.spec.containers[0];
    if (!container) return this.finishWithoutProcess(run, pod, 128, 'StartError', 'pod has no containers');
    this.options.store.update('pods', namespace, name, (object) => {
      (object as Pod).spec.nodeName = NODE_NAME;
    });
    const scheduled = [{ type: 'PodScheduled', status: 'True' as const, lastTransitionTime: now }];
    if (container.image !== undefined && this.options.faults.imagePullFailures.has(container.image)) {
      const waiting = (reason: string) =>
        this.setStatus(run, {
          phase: 'Pending',
          conditions: scheduled,
          startTime: now,
          containerStatuses: [containerStatus(container, { waiting: { reason, message: `failed to pull image "${container.image}": not found` } })],
        });
      waiting('ErrImagePull');
      run.timers.push(setTimeout(() => waiting('ImagePullBackOff'), IMAGE_PULL_BACKOFF_AFTER_MS));
      return;
    }
    const env = this.resolveEnv(namespace, container);
    if (typeof env === 'string') {
      this.setStatus(run, {
        phase: 'Pending',
        conditions: scheduled,
        startTime: now,
        containerStatuses: [containerStatus(container, { waiting: { reason: 'CreateContainerConfigError', message: env } })],
      });
      return;
    }
    this.spawnContainer(run, pod, container, env, now);
  }

  /** Graceful deletion: SIGTERM, SIGKILL after the grace period, then the pod object goes away. */
  deletePod(namespace: string, name: string): void {
    const pod = this.options.store.get('pods', namespace, name) as Pod | undefined;
    if (!pod) return;
    const run = this.runs.get(key(namespace, name));
    if (!run?.child || run.exited) {
      this.forget(namespace, name);
      this.options.store.remove('pods', namespace, name);
      const phase = pod.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed') this.options.onPodEnded(pod, 'vanished');
      return;
    }
    if (run.deleting) return;
    run.deleting = true;
    const graceSeconds = pod.spec.terminationGracePeriodSeconds ?? 30;
    this.options.store.update('pods', namespace, name, (object) => {
      object.metadata.deletionTimestamp = timestamp();
      object.metadata.deletionGracePeriodSeconds = graceSeconds;
    });
    run.child.kill('SIGTERM');
    run.timers.push(setTimeout(() => run.child?.kill('SIGKILL'), graceSeconds * 1000));
  }

  evict(namespace: string, name: string, message: string): boolean {
    const run = this.runs.get(key(namespace, name));
    if (!run?.child || run.exited) return false;
    run.cause = 'evicted';
    run.evictionMessage = message;
    run.child.kill('SIGKILL');
    return true;
  }

  loseNode(namespace: string, name: string): boolean {
    const run = this.runs.get(key(namespace, name));
    const pod = this.options.store.get('pods', namespace, name) as Pod | undefined;
    if (!run || !pod) return false;
    run.cause = 'lost';
    run.child?.kill('SIGKILL');
    this.forget(namespace, name);
    this.options.store.remove('pods', namespace, name);
    this.options.onPodEnded(pod, 'vanished');
    return true;
  }

  logs(namespace: string, name: string): string | undefined {
    return this.runs.get(key(namespace, name))?.logs;
  }

  /** Kill every process the kubelet started and wait for them to exit. */
  async close(): Promise<void> {
    const exits: Promise<void>[] = [];
    for (const run of this.runs.values()) {
      for (const timer of run.timers) clearTimeout(timer);
      const child = run.child;
      if (child && !run.exited) {
        exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
        child.kill('SIGKILL');
      }
    }
    this.runs.clear();
    await Promise.all(exits);
  }

  private resolveEnv(namespace: string, container: Container): Record<string, string> | string {
    const env: Record<string, string> = { ...this.options.env };
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (!ref) {
        env[variable.name] = variable.value ?? '';
        continue;
      }
      const secret = this.options.store.get('secrets', namespace, ref.name) as Secret | undefined;
      const encoded = secret?.data?.[ref.key];
      if (encoded === undefined) {
        if (ref.optional) continue;
        return secret ? `couldn't find key ${ref.key} in Secret ${namespace}/${ref.name}` : `secret "${ref.name}" not found`;
      }
      env[variable.name] = Buffer.from(encoded, 'base64').toString('utf8');
    }
    return env;
  }

  private spawnContainer(run: PodRun, pod: Pod, container: Container, env: Record<string, string>, startTime: string): void {
    const argv = [...(container.command ?? []), ...(container.args ?? [])];
    const [file, ...args] = argv;
    if (!file) return this.finishWithoutProcess(run, pod, 128, 'StartError', 'no command: the simulator cannot run an image entrypoint');
    const child = spawn(file, args, { cwd: this.options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    run.child = child;
    const append = (chunk: Buffer) => {
      run.logs = (run.logs + chunk.toString('utf8')).slice(-LOG_LIMIT_BYTES);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const startedAt = timestamp();
    let finished = false;
    const finish = (exitCode: number, reason: string, message?: string) => {
      if (finished) return;
      finished = true;
      run.exited = true;
      for (const timer of run.timers) clearTimeout(timer);
      this.onContainerExit(run, container, startedAt, exitCode, reason, message);
    };
    child.once('error', (error) => finish(128, 'StartError', error.message));
    child.once('exit', (code, signal) => {
      const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9);
      finish(exitCode, run.cause === 'oom' ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error');
    });
    this.setStatus(run, {
      phase: 'Running',
      startTime,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: startTime },
        { type: 'Initialized', status: 'True', lastTransitionTime: startTime },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: startedAt },
        { type: 'Ready', status: 'True', lastTransitionTime: startedAt },
      ],
      containerStatuses: [{ ...containerStatus(container, { running: { startedAt } }), ready: true, started: true }],
    });
    const limit = memoryBytes(container.resources?.limits?.['memory']);
    if (limit !== undefined && child.pid !== undefined) this.watchMemory(run, child.pid, limit);
  }

  private watchMemory(run: PodRun, pid: number, limitBytes: number): void {
    const check = async () => {
      if (run.exited) return;
      const rss = await residentBytes(pid);
      if (run.exited) return;
      if (rss !== undefined && rss > limitBytes) {
        run.cause = 'oom';
        run.child?.kill('SIGKILL');
        return;
      }
      run.timers.push(setTimeout(() => void check(), MEMORY_POLL_MS));
    };
    void check();
  }

  private onContainerExit(run: PodRun, container: Container, startedAt: string, exitCode: number, reason: string, message?: string): void {
    if (run.cause === 'lost') return;
    const finishedAt = timestamp();
    const evicted = run.cause === 'evicted';
    const updated = this.setStatus(run, {
      phase: exitCode === 0 && !evicted ? 'Succeeded' : 'Failed',
      ...(evicted ? { reason: 'Evicted', message: run.evictionMessage ?? 'The node was low on resource: memory.' } : {}),
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: startedAt },
        { type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: finishedAt },
      ],
      startTime: startedAt,
      containerStatuses: [
        containerStatus(container, { terminated: { exitCode, reason, ...(message ? { message } : {}), startedAt, finishedAt } }),
      ],
    });
    if (updated) this.options.onPodEnded(updated, 'terminated');
    if (run.deleting) {
      this.forget(run.namespace, run.name);
      this.options.store.remove('pods', run.namespace, run.name);
    }
  }

  private finishWithoutProcess(run: PodRun, pod: Pod, exitCode: number, reason: string, message: string): void {
    const now = timestamp();
    const container = pod.spec.containers[0] ?? { name: 'missing' };
    run.exited = true;
    const updated = this.setStatus(run, {
      phase: 'Failed',
      startTime: now,
      containerStatuses: [containerStatus(container, { terminated: { exitCode, reason, message, finishedAt: now } })],
    });
    if (updated) this.options.onPodEnded(updated, 'terminated');
  }

  private setStatus(run: PodRun, status: PodStatus): Pod | undefined {
    return this.options.store.update('pods', run.namespace, run.name, (object) => {
      (object as Pod).status = { hostIP: '127.0.0.1', podIP: '127.0.0.1', ...status };
    }) as Pod | undefined;
  }

  private forget(namespace: string, name: string): void {
    const run = this.runs.get(key(namespace, name));
    if (run) for (const timer of run.timers) clearTimeout(timer);
    this.runs.delete(key(namespace, name));
  }
}

function containerStatus(container: Container, state: ContainerState) {
  return {
    name: container.name,
    image: container.image ?? '',
    imageID: '',
    ready: false,
    started: false,
    restartCount: 0,
    state,
  };
}

async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
