import { describe, expect, it } from 'vitest';
import { EventChunks, type EventChunksOptions } from './eventChunks.js';

function chunks(overrides: Partial<EventChunksOptions> = {}) {
  const written: Array<{ seq: number; body: string }> = [];
  let failuresLeft = 0;
  const sink = new EventChunks({
    async write(seq, body) {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('S3 is away');
      }
      written.push({ seq, body });
    },
    flushMs: 60_000,
    chunkBytes: 1_000_000,
    maxPendingBytes: 1_000_000,
    retry: { forMs: 5_000, initialDelayMs: 1, maxDelayMs: 5 },
    now: () => Date.parse('2026-01-02T03:04:05.000Z'),
    ...overrides,
  });
  return { sink, written, failNext: (n: number) => (failuresLeft = n) };
}

const lines = (body: string) => body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('EventChunks', () => {
  it('writes what waits as one NDJSON chunk per flush, numbered without gaps', async () => {
    const { sink, written } = chunks();
    sink.emit({ type: 'step.skipped', step: 'a', why: 'x' });
    sink.emit({ type: 'log', level: 'info', message: 'hi' });
    await sink.flush();
    await sink.flush();
    sink.emit({ type: 'log', level: 'info', message: 'again' });
    await sink.close();
    expect(written.map((w) => w.seq)).toEqual([0, 1]);
    expect(lines(written[0]!.body)).toEqual([
      { at: '2026-01-02T03:04:05.000Z', type: 'step.skipped', step: 'a', why: 'x' },
      { at: '2026-01-02T03:04:05.000Z', type: 'log', level: 'info', message: 'hi' },
    ]);
  });

  it('writes a failed chunk again with the same number and bytes', async () => {
    const { sink, written, failNext } = chunks();
    sink.emit({ type: 'log', level: 'info', message: 'one' });
    failNext(1);
    await expect(sink.flush()).rejects.toThrow('S3 is away');
    sink.emit({ type: 'log', level: 'info', message: 'two' });
    await sink.flush();
    await sink.flush();
    expect(written.map((w) => [w.seq, lines(w.body).map((l) => l['message'])])).toEqual([
      [0, ['one']],
      [1, ['two']],
    ]);
  });

  it('cuts a chunk once it reaches its size', async () => {
    const { sink, written } = chunks({ chunkBytes: 200 });
    for (let i = 0; i < 10; i++) sink.emit({ type: 'log', level: 'info', message: `message ${i}`.padEnd(60, '.') });
    await sink.close();
    expect(written.length).toBeGreaterThan(2);
    expect(written.flatMap((w) => lines(w.body)).map((l) => l['message'])).toEqual(Array.from({ length: 10 }, (_, i) => `message ${i}`.padEnd(60, '.')));
  });

  it('drops log events while too much waits, and says how many', async () => {
    const { sink, written, failNext } = chunks({ maxPendingBytes: 300, chunkBytes: 1_000_000 });
    failNext(1);
    for (let i = 0; i < 20; i++) sink.emit({ type: 'log', level: 'info', message: `line ${i}` });
    await expect(sink.flush()).rejects.toThrow();
    sink.emit({ type: 'step.skipped', step: 'kept', why: 'not a log' });
    await sink.close();
    const all = written.flatMap((w) => lines(w.body));
    const logs = all.filter((e) => e['type'] === 'log').length;
    expect(logs).toBeGreaterThan(0);
    expect(logs).toBeLessThan(20);
    expect(all.filter((e) => e['type'] === 'events.dropped')).toEqual([expect.objectContaining({ count: 20 - logs })]);
    expect(all.at(-1)).toMatchObject({ type: 'step.skipped', step: 'kept' });
  });

  it('retries the last flush through a short outage when closed', async () => {
    const { sink, written, failNext } = chunks();
    sink.emit({ type: 'log', level: 'info', message: 'last words' });
    failNext(3);
    await sink.close();
    expect(written).toHaveLength(1);
  });

  it('writes nothing more once discarded', async () => {
    const { sink, written } = chunks({ flushMs: 10 });
    sink.start();
    sink.emit({ type: 'log', level: 'info', message: 'stale' });
    sink.discard();
    sink.emit({ type: 'log', level: 'info', message: 'staler' });
    await sink.flush();
    expect(written).toEqual([]);
  });

  it('flushes on its own timer', async () => {
    const { sink, written } = chunks({ flushMs: 10 });
    sink.start();
    sink.emit({ type: 'log', level: 'info', message: 'tick' });
    await expect.poll(() => written.length, { timeout: 5_000 }).toBe(1);
    await sink.close();
  });
});
