import { describe, expect, it } from 'vitest';
import { chunkSeq, formatEventId, isAfter, parseEventId, START } from './eventCursor.js';

describe('event cursor', () => {
  it('round-trips through the SSE id', () => {
    const cursor = { transition: 42, attempt: 2, seq: 7, line: 3 };
    expect(parseEventId(formatEventId(cursor))).toEqual(cursor);
    expect(parseEventId(formatEventId(START))).toEqual(START);
  });

  it.each([undefined, ''])('starts from the beginning without a Last-Event-ID (%j)', (id) => {
    expect(parseEventId(id)).toEqual(START);
  });

  it.each(['abc', '1.2.3', '1.2.3.4.5', '-1.0.0.0', '1.2.3.-2', '9999999999999999.0.0.0'])('rejects an id it did not hand out: %s', (id) => {
    expect(parseEventId(id)).toBeUndefined();
  });

  it('reads the sequence number of a chunk key', () => {
    expect(chunkSeq('executions/x/1/events/00000012.ndjson')).toBe(12);
    expect(chunkSeq('executions/x/1/result.json')).toBeUndefined();
  });

  it.each([
    [{ attempt: 1, seq: 0, line: 0 }, false],
    [{ attempt: 2, seq: 1, line: 2 }, false],
    [{ attempt: 2, seq: 1, line: 3 }, true],
    [{ attempt: 2, seq: 2, line: 0 }, true],
    [{ attempt: 3, seq: 0, line: 0 }, true],
  ])('orders positions by attempt, chunk and line: %j after 2.1.2 is %s', (position, expected) => {
    const cursor = { transition: 0, attempt: 2, seq: 1, line: 2 };
    expect(isAfter(cursor, position.attempt, position.seq, position.line)).toBe(expected);
  });

  it('places every position after the start', () => {
    expect(isAfter(START, 1, 0, 0)).toBe(true);
  });
});
