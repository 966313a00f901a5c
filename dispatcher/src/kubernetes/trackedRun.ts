import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { LaunchedRun, RunOutcome } from '../launcher.js';
import { readRunState, type RunView, type StuckReason } from './runState.js';
import type { Clock } from './tokenBucket.js';

/**
 * One attempt's Job as the launcher follows it. Whatever it learns (watch
 * events, reconcile lists, its own delete) goes through `update`; the first
 * decisive state settles `done`. A stuck pod fails the run only once it has
 * been stuck for its grace, and then its Job is deleted so it cannot start
 * late. A failed Job whose pods, as watched, do not say why has its pods
 * read again before the run is called lost.
 */
export interface TrackedRunOptions {
  jobName: string;
  graceMs: Record<StuckReason, number>;
  clock: Clock;
  /** delete the Job with background propagation; a missing Job is fine */
  deleteJob(): Promise<void>;
  /** the Job's pods as the API server has them now */
  readPods(): Promise<V1Pod[]>;
  onSettled(outcome: RunOutcome): void;
  onError(error: unknown, what: string): void;
}

export class TrackedRun implements LaunchedRun {
  readonly runner: string;
  readonly done: Promise<RunOutcome>;
  private settle!: (outcome: RunOutcome) => void;
  private settled = false;
  private cancelled = false;
  private view: Omit<RunView, 'cancelled' | 'podsReadAfterJobFailed'>;
  private podsReadAfterJobFailed = false;
  private readingPods = false;
  private detached = false;
  private stuck: { reason: StuckReason; since: number } | undefined;
  private stuckTimer: NodeJS.Timeout | undefined;
  private ending = false;

  constructor(
    private readonly options: TrackedRunOptions,
    job: V1Job,
    pods: V1Pod[],
  ) {
    this.runner = options.jobName;
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.view = { job, pods };
    this.evaluate();
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** New knowledge about the Job (a present `job` key set to `undefined` means it is gone) and/or its pods. */
  update(change: { job?: V1Job | undefined; pods?: V1Pod[] }): void {
    if (this.settled) return;
    if ('job' in change) this.view.job = change.job;
    if (change.pods) this.view.pods = change.pods;
    this.evaluate();
  }

  async cancel(): Promise<void> {
    if (!this.settled && !this.cancelled) {
      this.cancelled = true;
      try {
        await this.options.deleteJob();
      } catch (error) {
        // the Job may still run: a later cancel must try the delete again
        this.cancelled = false;
        throw error;
      }
      this.update({ job: undefined });
    }
    await this.done;
  }

  /** Stop timers; `done` stays unsettled because this process no longer knows how the run ends. */
  detach(): void {
    this.detached = true;
    clearTimeout(this.stuckTimer);
  }

  private evaluate(): void {
    if (this.settled || this.ending) return;
    const state = readRunState({ ...this.view, cancelled: this.cancelled, podsReadAfterJobFailed: this.podsReadAfterJobFailed });
    if (state.kind === 'ended') return this.finish(state.outcome);
    if (state.kind === 'pending' || state.kind === 'recheckPods') {
      this.stuck = undefined;
      clearTimeout(this.stuckTimer);
      if (state.kind === 'recheckPods') this.recheckPods();
      return;
    }
    const now = this.options.clock.now();
    if (this.stuck?.reason !== state.reason) this.stuck = { reason: state.reason, since: now };
    const remaining = this.stuck.since + this.options.graceMs[state.reason] - now;
    clearTimeout(this.stuckTimer);
    if (remaining > 0) {
      this.stuckTimer = setTimeout(() => this.evaluate(), remaining);
      return;
    }
    this.ending = true;
    const outcome: RunOutcome = { kind: 'failed', reason: state.reason, message: state.message };
    this.options.deleteJob().then(
      () => this.finish(outcome),
      (error: unknown) => {
        this.options.onError(error, 'deleting a stuck Job');
        this.finish(outcome);
      },
    );
  }

  /** A read that fails is tried again on the next update, which the periodic reconcile guarantees. */
  private recheckPods(): void {
    if (this.readingPods) return;
    this.readingPods = true;
    this.options.readPods().then(
      (pods) => {
        this.readingPods = false;
        if (this.detached) return;
        this.podsReadAfterJobFailed = true;
        this.update({ pods });
      },
      (error: unknown) => {
        this.readingPods = false;
        this.options.onError(error, 'reading the pods of a failed Job');
      },
    );
  }

  private finish(outcome: RunOutcome): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.stuckTimer);
    this.settle(outcome);
    this.options.onSettled(outcome);
  }
}
