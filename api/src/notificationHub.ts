import type pg from 'pg';
import type { Logger } from 'pino';
import { isExecutionStatus, type ExecutionStatus } from '@flow-like/core';
import { EXECUTIONS_CHANNEL, listen } from '@flow-like/db';

export interface StatusNotice {
  id: string;
  projectId: string;
  status: ExecutionStatus;
  attempt: number;
}

/** The execution's status may have changed, or notices may have been missed (reconnect). */
export type Wake = () => void;

/**
 * One LISTEN connection for the whole replica, fanned out to
 * subscribers by execution id: SSE streams must not each hold a Postgres
 * connection.
 */
export interface NotificationHub {
  /** wakes on any notice about the execution, and on every reconnect */
  watchExecution(executionId: string, wake: Wake): () => void;
  onStatus(listener: (notice: StatusNotice) => void): () => void;
  close(): Promise<void>;
}

function parseStatusNotice(payload: string): StatusNotice | undefined {
  try {
    const value = JSON.parse(payload) as Partial<StatusNotice>;
    if (typeof value.id !== 'string' || !isExecutionStatus(value.status)) return undefined;
    return { id: value.id, projectId: String(value.projectId), status: value.status, attempt: Number(value.attempt) };
  } catch {
    return undefined;
  }
}

export async function createNotificationHub(pool: pg.Pool, logger: Logger): Promise<NotificationHub> {
  const watchers = new Map<string, Set<Wake>>();
  const statusListeners = new Set<(notice: StatusNotice) => void>();

  const wake = (executionId: string) => {
    for (const w of watchers.get(executionId) ?? []) w();
  };
  const wakeAll = () => {
    for (const set of watchers.values()) for (const w of set) w();
  };
  const stop = await listen(
    pool,
    EXECUTIONS_CHANNEL,
    (payload) => {
      const notice = parseStatusNotice(payload);
      if (!notice) return;
      wake(notice.id);
      for (const listener of statusListeners) listener(notice);
    },
    {
      onConnected: wakeAll,
      onError: (error: Error) => logger.warn({ err: error.message }, 'notification listener lost its connection; reconnecting'),
    },
  );

  return {
    watchExecution(executionId, w) {
      let set = watchers.get(executionId);
      if (!set) watchers.set(executionId, (set = new Set()));
      set.add(w);
      return () => {
        set.delete(w);
        if (set.size === 0) watchers.delete(executionId);
      };
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    async close() {
      await stop();
    },
  };
}
