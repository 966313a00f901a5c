import { describe, expect, it } from 'vitest';
import { batchCalls } from './batchCalls.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('batchCalls', () => {
  it('answers each caller with its own result and gathers calls made during a flush into the next one', async () => {
    const flushes: number[][] = [];
    const first = gate();
    const double = batchCalls(async (items: number[]) => {
      flushes.push(items);
      if (flushes.length === 1) await first.opened;
      return items.map((n) => n * 2);
    }, 100);
    const early = [double(1), double(2)];
    await Promise.resolve();
    const late = [3, 4, 5].map(double);
    first.open();
    expect(await Promise.all([...early, ...late])).toEqual([2, 4, 6, 8, 10]);
    expect(flushes).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('never flushes more than the largest batch at once', async () => {
    const sizes: number[] = [];
    const echo = batchCalls(async (items: number[]) => {
      sizes.push(items.length);
      return items;
    }, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map(echo))).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fails only the calls of the batch that failed and keeps serving later calls', async () => {
    let fail = true;
    const call = batchCalls(async (items: string[]) => {
      if (fail) throw new Error('database away');
      return items;
    }, 10);
    await expect(call('a')).rejects.toThrow('database away');
    fail = false;
    expect(await call('b')).toBe('b');
  });
});
