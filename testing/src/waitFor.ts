import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What was being waited for, e.g. "execution to succeed"; leads the timeout error. */
  message?: string;
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Poll until `probe` returns a truthy value and return it. A probe that
 * throws counts as "not yet"; on the deadline the error names what was
 * awaited and what the probe last said, which is usually the whole diagnosis.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let last: { error: unknown } | { value: unknown } = { value: undefined };
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const lastSeen =
    'error' in last
      ? `last probe error: ${last.error instanceof Error ? last.error.message : describeValue(last.error)}`
      : `last value: ${describeValue(last.value)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.message ?? 'a condition'} (${lastSeen})`);
}
