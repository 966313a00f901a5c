/**
 * Where a client stands in an execution's event stream. Every SSE id carries
 * the whole position, so `Last-Event-ID` alone resumes both sources: status
 * changes (the audit table's id) and run events (NDJSON chunk lines in S3).
 */
export interface EventCursor {
  /** id of the last status change delivered; 0 before the first */
  transition: number;
  /** attempt, chunk sequence number and line index of the last run event delivered; attempt 0 before the first */
  attempt: number;
  seq: number;
  line: number;
}

export const START: Readonly<EventCursor> = Object.freeze({ transition: 0, attempt: 0, seq: 0, line: -1 });

export function formatEventId(cursor: EventCursor): string {
  return `${cursor.transition}.${cursor.attempt}.${cursor.seq}.${cursor.line}`;
}

const PATTERN = /^(\d{1,15})\.(\d{1,9})\.(\d{1,9})\.(-1|\d{1,9})$/;

/** A fresh cursor the caller may advance; undefined for an id this API did not hand out. */
export function parseEventId(id: string | undefined): EventCursor | undefined {
  if (id === undefined || id === '') return { ...START };
  const match = PATTERN.exec(id.trim());
  if (!match) return undefined;
  return { transition: Number(match[1]), attempt: Number(match[2]), seq: Number(match[3]), line: Number(match[4]) };
}

/** The sequence number of a chunk key `…/events/00000012.ndjson`. */
export function chunkSeq(key: string): number | undefined {
  const match = /\/events\/(\d+)\.ndjson$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** Whether a run-event position comes after the cursor. */
export function isAfter(cursor: EventCursor, attempt: number, seq: number, line: number): boolean {
  if (attempt !== cursor.attempt) return attempt > cursor.attempt;
  if (seq !== cursor.seq) return seq > cursor.seq;
  return line > cursor.line;
}
