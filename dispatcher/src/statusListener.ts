import type pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';
import { isExecutionStatus, toError } from '@flow-like/core';
import { EXECUTIONS_CHANNEL, listen } from '@flow-like/db';

const statusChange = z.object({ id: z.string(), status: z.string().refine(isExecutionStatus), attempt: z.number().int() });
export type StatusChangeNotice = z.infer<typeof statusChange>;

/**
 * Status changes announced by the executions trigger (whoever made them: the
 * api's cancel, an executor, another replica). Malformed payloads are
 * ignored; after a reconnect `onReconnected` lets the caller catch up.
 */
export function listenForStatusChanges(
  pool: pg.Pool,
  logger: Logger,
  handlers: { onChange(notice: StatusChangeNotice): void; onReconnected(): void },
): Promise<() => Promise<void>> {
  return listen(
    pool,
    EXECUTIONS_CHANNEL,
    (payload) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        return;
      }
      const notice = statusChange.safeParse(parsed);
      if (notice.success) handlers.onChange(notice.data);
    },
    { onConnected: handlers.onReconnected, onError: (error) => logger.warn({ err: toError(error).message }, 'status notifications interrupted') },
  );
}
