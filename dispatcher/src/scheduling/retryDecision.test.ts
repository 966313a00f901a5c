import { describe, expect, it } from 'vitest';
import { decideAfterLoss, retryDelayMs, type LossReason } from './retryDecision.js';

const settings = { baseDelayMs: 1_000, maxDelayMs: 60_000, unclaimedAllowance: 2 };

describe('decideAfterLoss', () => {
  it.each<[LossReason, boolean]>([
    ['PodLost', true],
    ['Evicted', true],
    ['ExecutorCrashed', true],
    ['LaunchFailed', true],
    ['HeartbeatLost', true],
    ['DispatcherStopped', true],
    ['OOMKilled', false],
    ['DeadlineExceeded', false],
    ['ImagePullBackOff', false],
    ['Unschedulable', false],
    ['Cancelled', false],
  ])('retries a claimed attempt lost by %s: %s', (reason, retried) => {
    expect(decideAfterLoss({ reason, attempt: 1, maxAttempts: 3, claimed: true }, settings).retry).toBe(retried);
  });

  it('stops once the execution used its attempts', () => {
    expect(decideAfterLoss({ reason: 'PodLost', attempt: 2, maxAttempts: 3, claimed: true }, settings).retry).toBe(true);
    expect(decideAfterLoss({ reason: 'PodLost', attempt: 3, maxAttempts: 3, claimed: true }, settings).retry).toBe(false);
    expect(decideAfterLoss({ reason: 'PodLost', attempt: 1, maxAttempts: 1, claimed: true }, settings).retry).toBe(false);
  });

  it('relaunches an attempt that was never claimed beyond max attempts, within the allowance', () => {
    expect(decideAfterLoss({ reason: 'HeartbeatLost', attempt: 1, maxAttempts: 1, claimed: false }, settings).retry).toBe(true);
    expect(decideAfterLoss({ reason: 'HeartbeatLost', attempt: 2, maxAttempts: 1, claimed: false }, settings).retry).toBe(true);
    expect(decideAfterLoss({ reason: 'HeartbeatLost', attempt: 3, maxAttempts: 1, claimed: false }, settings).retry).toBe(false);
  });

  it('ends an attempt that is not retried as what its loss means', () => {
    const end = (reason: LossReason) => decideAfterLoss({ reason, attempt: 1, maxAttempts: 1, claimed: true }, settings);
    expect(end('DeadlineExceeded')).toEqual({ retry: false, status: 'timed_out' });
    expect(end('Cancelled')).toEqual({ retry: false, status: 'cancelled' });
    expect(end('OOMKilled')).toEqual({ retry: false, status: 'failed' });
    expect(end('PodLost')).toEqual({ retry: false, status: 'failed' });
  });
});

describe('retryDelayMs', () => {
  it('doubles per attempt, between half and all of the ceiling', () => {
    expect(retryDelayMs(1, settings, () => 0)).toBe(500);
    expect(retryDelayMs(1, settings, () => 1)).toBe(1_000);
    expect(retryDelayMs(3, settings, () => 0)).toBe(2_000);
    expect(retryDelayMs(3, settings, () => 1)).toBe(4_000);
  });

  it('never waits longer than the maximum', () => {
    expect(retryDelayMs(30, settings, () => 1)).toBe(60_000);
  });
});
