import { setTimeout as delay } from 'node:timers/promises';

export interface LoadResult {
  /** operations that resolved */
  completed: number;
  /** operations that threw, with the first few messages */
  failed: number;
  failures: string[];
  elapsedMs: number;
  latenciesMs: number[];
}

const KEPT_FAILURES = 5;

function recorder() {
  const result: LoadResult = { completed: 0, failed: 0, failures: [], elapsedMs: 0, latenciesMs: [] };
  return {
    result,
    async measure(operation: () => Promise<void>, startedAt: number): Promise<void> {
      try {
        await operation();
        result.completed++;
        result.latenciesMs.push(performance.now() - startedAt);
      } catch (error) {
        result.failed++;
        if (result.failures.length < KEPT_FAILURES) result.failures.push(error instanceof Error ? error.message : String(error));
      }
    },
  };
}

/**
 * `concurrency` workers each start the next operation as soon as their last
 * one finished: the throughput this side can sustain (the maximum rate).
 */
export async function closedLoop(operation: () => Promise<void>, options: { concurrency: number; durationMs: number }): Promise<LoadResult> {
  const { result, measure } = recorder();
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) await measure(operation, performance.now());
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  return result;
}

const TICK_MS = 1;

/**
 * Starts operation i at start + i / rate whether or not earlier ones finished
 * (open loop), and measures latency from that intended start, so a stalled
 * server shows up as latency instead of silently lowering the offered rate.
 */
export async function openLoop(operation: () => Promise<void>, options: { ratePerSecond: number; durationMs: number }): Promise<LoadResult> {
  const { result, measure } = recorder();
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  for (let next = 0; next < total; ) {
    const now = performance.now();
    while (next < total && started + next * intervalMs <= now) {
      const promise = measure(operation, started + next * intervalMs);
      inFlight.add(promise);
      void promise.finally(() => inFlight.delete(promise));
      next++;
    }
    await delay(TICK_MS);
  }
  await Promise.all(inFlight);
  result.elapsedMs = performance.now() - started;
  return result;
}
