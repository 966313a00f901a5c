import { describe, expect, it } from 'vitest';
import { manualClock } from './manualClock.test-support.js';
import { TokenBucket } from './tokenBucket.js';

describe('TokenBucket', () => {
  it('lets a burst through at once, then spaces requests at the QPS', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket(10, 3, clock);
    for (let i = 0; i < 5; i++) await bucket.take();
    expect(clock.slept).toHaveLength(2);
    for (const ms of clock.slept) expect(ms).toBeCloseTo(100, 6);
    expect(clock.now()).toBeCloseTo(200, 6);
  });

  it('saves up idle time only to the burst size', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket(1, 2, clock);
    await bucket.take();
    await clock.sleep(60_000);
    clock.slept.length = 0;
    for (let i = 0; i < 3; i++) await bucket.take();
    expect(clock.slept).toEqual([1000]);
  });

  it('serves concurrent callers one token each, in order', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket(2, 1, clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
    expect(clock.now()).toBeCloseTo(1000, 6);
  });
});
