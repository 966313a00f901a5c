import { describe, expect, it } from 'vitest';
import { explainWait, type WaitSituation } from './waitReason.js';

const now = new Date('2026-01-01T00:00:00Z');
const later = new Date('2026-01-01T00:05:00Z');
const base: WaitSituation = { status: 'queued', attempt: 1, runAt: null, projectRunning: 0, projectLimit: 2, globalRunning: 0, globalLimit: 10, now };

describe('why a queued execution waits', () => {
  it.each<[string, Partial<WaitSituation>, string | undefined]>([
    ['a later runAt', { runAt: later }, 'delayed'],
    ['a retry backoff', { runAt: later, attempt: 2 }, 'retry_backoff'],
    ['the project limit', { projectRunning: 2 }, 'project_limit'],
    ['the global limit', { globalRunning: 10 }, 'global_limit'],
    ['nothing: next in line', {}, 'next_in_line'],
    ['a runAt in the past counts as due', { runAt: new Date('2025-12-31T00:00:00Z'), projectRunning: 2 }, 'project_limit'],
    ['not waiting when running', { status: 'running' }, undefined],
    ['delay before limits', { runAt: later, projectRunning: 5, globalRunning: 10 }, 'delayed'],
    ['project limit before global limit', { projectRunning: 2, globalRunning: 10 }, 'project_limit'],
  ])('%s', (_name, change, expected) => {
    expect(explainWait({ ...base, ...change })?.reason).toBe(expected);
  });

  it('says the numbers behind a limit', () => {
    expect(explainWait({ ...base, projectRunning: 2 })?.detail).toContain('2 of its 2');
  });
});
