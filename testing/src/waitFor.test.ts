import { describe, expect, it } from 'vitest';
import { waitFor } from './waitFor.js';

describe('waitFor', () => {
  it('returns the first truthy value the probe produces', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('keeps polling while the probe throws', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        if (++calls < 3) throw new Error('not yet');
        return 'ready';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ready');
  });

  it('times out with the awaited condition and the last value in the message', async () => {
    const started = Date.now();
    await expect(waitFor(() => null, { timeoutMs: 100, message: 'execution to finish' })).rejects.toThrow(
      'timed out after 100 ms waiting for execution to finish (last value: null)',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('times out with the last probe error in the message', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 50, message: 'the api to answer' },
      ),
    ).rejects.toThrow('timed out after 50 ms waiting for the api to answer (last probe error: connection refused)');
  });
});
