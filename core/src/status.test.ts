import { describe, expect, it } from 'vitest';
import { EXECUTION_STATUSES, canTransition, isTerminal, statusesLeadingTo, type ExecutionStatus } from './status.js';

const allowed: Array<[ExecutionStatus, ExecutionStatus]> = [
  ['queued', 'dispatching'],
  ['queued', 'cancelled'],
  ['queued', 'timed_out'],
  ['queued', 'failed'],
  ['dispatching', 'starting'],
  ['dispatching', 'running'],
  ['dispatching', 'queued'],
  ['dispatching', 'failed'],
  ['dispatching', 'cancelled'],
  ['dispatching', 'timed_out'],
  ['starting', 'running'],
  ['starting', 'queued'],
  ['starting', 'failed'],
  ['starting', 'cancelled'],
  ['starting', 'timed_out'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'timed_out'],
  ['running', 'queued'],
];

describe('execution status machine', () => {
  const key = (from: string, to: string) => `${from}→${to}`;
  const allowedKeys = new Set(allowed.map(([f, t]) => key(f, t)));
  const pairs = EXECUTION_STATUSES.flatMap((from) => EXECUTION_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s is allowed exactly when the table says so', (from, to) => {
    expect(canTransition(from, to)).toBe(allowedKeys.has(key(from, to)));
  });

  it('never leaves a terminal status', () => {
    for (const from of EXECUTION_STATUSES.filter(isTerminal)) {
      for (const to of EXECUTION_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('derives the SQL guard of each target from the table', () => {
    expect(statusesLeadingTo('running').sort()).toEqual(['dispatching', 'starting']);
    expect(statusesLeadingTo('succeeded')).toEqual(['running']);
    expect(statusesLeadingTo('cancelled').sort()).toEqual(['dispatching', 'queued', 'running', 'starting']);
  });
});
