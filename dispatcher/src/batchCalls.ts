/**
 * Turns a function of many items into a function of one: calls made while a
 * flush is in flight wait for the next flush and share it, so a thousand
 * concurrent callers cost a handful of round trips instead of a thousand.
 * `flush` answers one result per item, in order; its failure fails its batch.
 */
export function batchCalls<T, R>(flush: (items: T[]) => Promise<R[]>, maxBatch: number): (item: T) => Promise<R> {
  let pending: Array<{ item: T; resolve(result: R): void; reject(error: unknown): void }> = [];
  let scheduled = false;

  const run = async () => {
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      try {
        const results = await flush(batch.map((call) => call.item));
        batch.forEach((call, i) => call.resolve(results[i]!));
      } catch (error) {
        for (const call of batch) call.reject(error);
      }
    }
    scheduled = false;
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (scheduled) return;
      scheduled = true;
      // callers of the same tick join the first flush too
      queueMicrotask(() => void run());
    });
}
