import type { ResourceName } from './store.js';

/**
 * Knobs a test turns to make the simulated cluster misbehave the way real
 * clusters do. The HTTP layer and the kubelet consult this state; the actions
 * that touch running pods are wired in by `startKubeSimulator`.
 */
export interface RequestFault {
  /** 403 stands for a service account without the RBAC rule for the request */
  status: 403 | 429 | 500 | 503;
  /** how many matching requests still fail */
  count: number;
  method?: string;
  /** only requests whose path contains this string */
  pathIncludes?: string;
  /** sent as `Retry-After` with a 429 */
  retryAfterSeconds?: number;
}

export class FaultState {
  requestFaults: RequestFault[] = [];
  /** watches of these resources stay open but deliver nothing: a silently dead watch */
  readonly stalledWatches = new Set<ResourceName>();
  unschedulable = false;
  readonly imagePullFailures = new Set<string>();

  /** The fault that answers this request instead of the simulator, consuming one of its count. */
  takeRequestFault(method: string, path: string): RequestFault | undefined {
    const fault = this.requestFaults.find(
      (f) => f.count > 0 && (f.method === undefined || f.method === method) && (f.pathIncludes === undefined || path.includes(f.pathIncludes)),
    );
    if (fault) fault.count -= 1;
    this.requestFaults = this.requestFaults.filter((f) => f.count > 0);
    return fault;
  }

  reset(): void {
    this.requestFaults = [];
    this.stalledWatches.clear();
    this.unschedulable = false;
    this.imagePullFailures.clear();
  }
}

export interface SimulatorFaults {
  /** answer the next `count` matching requests with `status` (403 Forbidden, 429 with Retry-After, or 500/503) */
  failRequests(fault: RequestFault): void;
  /** close every open watch connection now; clients are expected to re-watch */
  dropWatches(): void;
  /**
   * keep watches open but stop sending anything on them, including bookmarks;
   * only the watches of `resource` when given, since separate watches are
   * never in step with each other
   */
  stallWatches(stalled: boolean, resource?: 'jobs' | 'pods'): void;
  /** forget the change history, so resuming a watch from an older resourceVersion gets 410 Gone */
  expireWatchHistory(): void;
  /** evict the running pod of this Job, as node-pressure eviction does */
  evictPod(jobName: string, message?: string): boolean;
  /** the node running this Job's pod disappears: the process is killed and the pod vanishes */
  loseNode(jobName: string): boolean;
  /** pulling this image fails (ErrImagePull, then ImagePullBackOff) */
  failImagePull(image: string): void;
  /** new pods cannot be scheduled and stay Pending with PodScheduled=False/Unschedulable */
  setUnschedulable(unschedulable: boolean): void;
  reset(): void;
}
