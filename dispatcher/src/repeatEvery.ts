/** A periodic task that never overlaps itself; stop() waits for a run in progress. */
export interface Repeating {
  stop(): Promise<void>;
}

export function repeatEvery(intervalMs: number, task: () => Promise<void>, onError: (error: unknown) => void): Repeating {
  let stopped = false;
  let current: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = task()
        .catch(onError)
        .finally(() => {
          current = undefined;
          schedule();
        });
    }, intervalMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
