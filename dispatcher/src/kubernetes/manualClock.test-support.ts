import type { Clock } from './tokenBucket.js';

/** A clock that only moves when something sleeps on it, recording every sleep. */
export function manualClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}
