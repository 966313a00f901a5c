import { describe, expect, it } from 'vitest';
import { decideAfterWorkflowFailure } from './workflowRetryDecision.js';

const policy = { attempts: 3, backoff: { initialMs: 1_000, factor: 2, maxMs: 3_000 } };
const noJitter = () => 1;

describe('decideAfterWorkflowFailure', () => {
  it.each([
    ['no policy: the workflow never asked', { attempt: 1, maxAttempts: 3, policy: undefined }, false],
    ['first of three attempts', { attempt: 1, maxAttempts: 3, policy }, true],
    ['second of three attempts', { attempt: 2, maxAttempts: 3, policy }, true],
    ['the last attempt is final', { attempt: 3, maxAttempts: 3, policy }, false],
    ['an execution budget below the policy wins', { attempt: 1, maxAttempts: 1, policy }, false],
    ['a policy below the execution budget wins', { attempt: 3, maxAttempts: 5, policy }, false],
    ['a policy of one attempt never retries', { attempt: 1, maxAttempts: 3, policy: { ...policy, attempts: 1 } }, false],
  ])('%s', (_what, facts, retried) => {
    expect(decideAfterWorkflowFailure(facts, noJitter).retry).toBe(retried);
  });

  it('backs off exponentially up to the cap, with equal jitter', () => {
    const delay = (attempt: number, random: () => number) => {
      const decision = decideAfterWorkflowFailure({ attempt, maxAttempts: 10, policy: { ...policy, attempts: 10 } }, random);
      return decision.retry ? decision.delayMs : undefined;
    };
    expect([1, 2, 3, 4].map((attempt) => delay(attempt, noJitter))).toEqual([1_000, 2_000, 3_000, 3_000]);
    expect(delay(2, () => 0)).toBe(1_000);
  });
});
