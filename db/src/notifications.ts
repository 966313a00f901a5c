import type pg from 'pg';

/** The channel the executions trigger announces every status change on (migration 0001). */
export const EXECUTIONS_CHANNEL = 'flow_like_executions';

export interface ListenOptions {
  /** pause between reconnect attempts after the connection was lost */
  retryDelayMs?: number;
  /** called after every (re)connect, so a subscriber can catch up on what it may have missed meanwhile */
  onConnected?: () => void;
  onError?: (error: Error) => void;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * LISTEN on one channel through a connection of its own, kept for as long as
 * the subscription lives. A lost connection (Postgres restart, network) is
 * replaced after a pause, so notifications resume without the caller's help;
 * the ones sent while no connection was listening are gone, which is why
 * `onConnected` fires again. Resolves after the first attempt, even a failed
 * one, and returns the function that ends the subscription.
 */
export async function listen(
  pool: pg.Pool,
  channel: string,
  onMessage: (payload: string) => void,
  options: ListenOptions = {},
): Promise<() => Promise<void>> {
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  let stopped = false;
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;

  const scheduleRetry = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, retryDelayMs);
    retry.unref();
  };

  const drop = (lost: pg.PoolClient, error: Error) => {
    if (client !== lost) return;
    client = undefined;
    lost.release(error);
    options.onError?.(error);
    scheduleRetry();
  };

  const connect = async (): Promise<void> => {
    let candidate: pg.PoolClient | undefined;
    try {
      candidate = await pool.connect();
      const current = candidate;
      current.on('notification', (message) => {
        if (message.channel === channel) onMessage(message.payload ?? '');
      });
      current.on('error', (error) => drop(current, error));
      current.on('end', () => drop(current, new Error('listening connection ended')));
      client = current;
      await current.query(`LISTEN ${quoteIdentifier(channel)}`);
      if (stopped) return;
      options.onConnected?.();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (candidate && client === candidate) drop(candidate, failure);
      else {
        options.onError?.(failure);
        scheduleRetry();
      }
    }
  };

  await connect();

  return async () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(retry);
    const current = client;
    client = undefined;
    if (!current) return;
    try {
      await current.query(`UNLISTEN ${quoteIdentifier(channel)}`);
      current.release();
    } catch (error) {
      current.release(error instanceof Error ? error : true);
    }
  };
}
