import { contentKeys, isTerminal } from '@flow-like/core';
import { getExecution, listTransitionsAfter, type Database } from '@flow-like/db';
import { chunkSeq, formatEventId, isAfter, type EventCursor } from './eventCursor.js';
import type { Storage } from './storage.js';

export interface OutgoingEvent {
  id: string;
  event: string;
  data: string;
}

export interface EventSources {
  db: Database;
  storage: Pick<Storage, 'listContentKeys' | 'getContentText'>;
}

const EVENT_NAME = /^[a-z][a-z0-9_.-]{0,63}$/i;

/** Run events are named by their `type`, so browsers can addEventListener('step.succeeded', …). */
function eventName(value: unknown): string {
  const type = (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' && EVENT_NAME.test(type) ? type : 'message';
}

/**
 * Status changes recorded after the cursor, each as a `status` event. The
 * cursor advances as events are produced.
 */
async function statusEvents(sources: EventSources, executionId: string, cursor: EventCursor): Promise<OutgoingEvent[]> {
  const changes = await listTransitionsAfter(sources.db, executionId, cursor.transition);
  return changes.map((change) => {
    cursor.transition = change.id;
    const data = { status: change.to, from: change.from, attempt: change.attempt, reason: change.reason, at: change.at.toISOString() };
    return { id: formatEventId(cursor), event: 'status', data: JSON.stringify(data) };
  });
}

async function runEvents(sources: EventSources, executionId: string, lastAttempt: number, cursor: EventCursor): Promise<OutgoingEvent[]> {
  const out: OutgoingEvent[] = [];
  for (let attempt = Math.max(1, cursor.attempt); attempt <= lastAttempt; attempt++) {
    const prefix = `${contentKeys.prefix(executionId, attempt)}events/`;
    // the chunk the cursor stands in may have lines not yet delivered; every earlier one is done
    const startAfter = attempt === cursor.attempt && cursor.seq > 0 ? contentKeys.events(executionId, attempt, cursor.seq - 1) : undefined;
    for (const key of await sources.storage.listContentKeys(prefix, startAfter)) {
      const seq = chunkSeq(key);
      if (seq === undefined) continue;
      const text = await sources.storage.getContentText(key);
      const lines = (text ?? '').split('\n');
      lines.forEach((line, index) => {
        if (line.trim() === '' || !isAfter(cursor, attempt, seq, index)) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          value = { type: 'log', level: 'warn', message: 'an unreadable event line was skipped' };
        }
        Object.assign(cursor, { attempt, seq, line: index });
        out.push({ id: formatEventId(cursor), event: eventName(value), data: JSON.stringify(value) });
      });
    }
  }
  return out;
}

/**
 * Everything stored after the cursor, and whether the stream is complete; the
 * cursor then stands after the last event returned. The status is read before the chunks, so once it is terminal every chunk the
 * executor wrote before finishing has been delivered too.
 */
export async function readEventsAfter(
  sources: EventSources,
  executionId: string,
  cursor: EventCursor,
): Promise<{ events: OutgoingEvent[]; finished: boolean; attempt: number }> {
  const execution = await getExecution(sources.db, executionId);
  if (!execution) return { events: [], finished: true, attempt: 0 };
  const working = { ...cursor };
  const events = [...(await statusEvents(sources, executionId, working)), ...(await runEvents(sources, executionId, execution.attempt, working))];
  // the cursor moves only once everything was read: a failed read gives nothing, and loses nothing
  Object.assign(cursor, working);
  return { events, finished: isTerminal(execution.status), attempt: execution.attempt };
}

/** Only the run events stored after the cursor, attempt by attempt up to `lastAttempt`; the cursor moves as readEventsAfter's does. */
export async function readRunEventsAfter(sources: EventSources, executionId: string, lastAttempt: number, cursor: EventCursor): Promise<OutgoingEvent[]> {
  const working = { ...cursor };
  const events = await runEvents(sources, executionId, lastAttempt, working);
  Object.assign(cursor, working);
  return events;
}
