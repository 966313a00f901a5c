import { describe, expect, it } from 'vitest';
import { AttemptStop, causeOfTermination } from './attemptStop.js';

describe('causeOfTermination', () => {
  const deadlineAt = 100_000;
  it.each([
    ['long before the deadline', 10_000, 'cancelled'],
    ['just outside the slack', 69_999, 'cancelled'],
    ['within the slack before the deadline', 70_000, 'timed_out'],
    ['after the deadline', 120_000, 'timed_out'],
  ])('a SIGTERM %s means %s', (_when, now, kind) => {
    expect(causeOfTermination(now, deadlineAt, 30_000, 90).kind).toBe(kind);
  });

  it('names the timeout in a deadline stop', () => {
    expect(causeOfTermination(100_000, deadlineAt, 30_000, 90).message).toBe('the run exceeded its timeout of 90s');
  });
});

describe('AttemptStop', () => {
  it('keeps the first cause and aborts its signal once', () => {
    const stop = new AttemptStop();
    stop.stop({ kind: 'timed_out', message: 'deadline' });
    stop.stop({ kind: 'cancelled', message: 'SIGTERM' });
    expect(stop.cause).toEqual({ kind: 'timed_out', message: 'deadline' });
    expect(stop.signal.aborted).toBe(true);
    expect((stop.signal.reason as Error).message).toBe('deadline');
  });
});
