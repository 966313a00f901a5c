import { describe, expect, it } from 'vitest';
import { TooManyRequests } from '@flow-like/core';
import type { QueueRoom } from '@flow-like/db/queueRoom';
import { queueRoomGate } from './queueRoomGate.js';

/** A queue whose counts the test sets, counting how often it was counted. */
function countedQueue(initial: { project: number; total: number; projectLimit: number }) {
  const state = { ...initial, counts: 0 };
  const count = async (): Promise<QueueRoom> => {
    state.counts++;
    return { projectLimit: state.projectLimit, project: state.project, total: state.total };
  };
  return { state, count };
}

describe('queueRoomGate', () => {
  it('reuses a fresh count while the queues stay at most half full, adding what it accepted', async () => {
    const clock = { now: 0 };
    const queue = countedQueue({ project: 0, total: 0, projectLimit: 100 });
    const gate = queueRoomGate(queue.count, { totalLimit: 1_000, maxAgeMs: 1_000, now: () => clock.now });
    for (let i = 0; i < 50; i++) await gate.admit('p', 1);
    // the first admit counted; 49 more fit in half of the project limit on top of it
    expect(queue.state.counts).toBe(1);
    queue.state.project = 50;
    await gate.admit('p', 1);
    expect(queue.state.counts).toBe(2);
  });

  it('counts again once the count is older than maxAgeMs', async () => {
    const clock = { now: 0 };
    const queue = countedQueue({ project: 0, total: 0, projectLimit: 100 });
    const gate = queueRoomGate(queue.count, { totalLimit: 1_000, maxAgeMs: 1_000, now: () => clock.now });
    await gate.admit('p', 1);
    clock.now = 999;
    await gate.admit('p', 1);
    expect(queue.state.counts).toBe(1);
    clock.now = 1_000;
    await gate.admit('p', 1);
    expect(queue.state.counts).toBe(2);
  });

  it('counts every submission near a limit and refuses exactly past it', async () => {
    const queue = countedQueue({ project: 0, total: 0, projectLimit: 3 });
    const gate = queueRoomGate(queue.count, { totalLimit: 1_000, maxAgeMs: 60_000, now: () => 0 });
    for (let accepted = 0; accepted < 3; accepted++) {
      await gate.admit('p', 1);
      queue.state.project++;
    }
    const refused = gate.admit('p', 1);
    await expect(refused).rejects.toBeInstanceOf(TooManyRequests);
    await expect(refused).rejects.toThrow('the project has 3 queued executions; its queue holds at most 3');
    expect(queue.state.counts).toBe(4);
    await expect(gate.admit('p', 2)).rejects.toBeInstanceOf(TooManyRequests);
  });

  it('refuses past the total limit with its own message, and keeps projects apart', async () => {
    const queue = countedQueue({ project: 0, total: 10, projectLimit: 100 });
    const gate = queueRoomGate(queue.count, { totalLimit: 10, maxAgeMs: 60_000, now: () => 0 });
    await expect(gate.admit('a', 1)).rejects.toThrow('the queue is full (10 queued executions, at most 10); try again later');
    queue.state.total = 11;
    await expect(gate.admit('b', 1)).rejects.toThrow('the queue is full (more than 10 queued executions, at most 10); try again later');
    expect(queue.state.counts).toBe(2);
  });

  it('a refused submission is not added to what a later one is checked against', async () => {
    const queue = countedQueue({ project: 0, total: 0, projectLimit: 10 });
    const gate = queueRoomGate(queue.count, { totalLimit: 1_000, maxAgeMs: 60_000, now: () => 0 });
    await expect(gate.admit('p', 11)).rejects.toBeInstanceOf(TooManyRequests);
    await gate.admit('p', 5);
    expect(queue.state.counts).toBe(2);
  });
});
