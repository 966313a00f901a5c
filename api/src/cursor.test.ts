import { describe, expect, it } from 'vitest';
import { Invalid, newId } from '@flow-like/core';
import { decodeCursor, encodeCursor, paginate } from './cursor.js';

describe('page cursors', () => {
  it('round-trips an id and stays opaque', () => {
    const id = newId();
    expect(encodeCursor(id)).not.toContain(id);
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it.each(['', 'bm90IGFuIGlk', '%%%', encodeCursor("1' OR 1=1 --")])('refuses a cursor it did not hand out: %j', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(Invalid);
  });

  it('takes one row more than the page to know whether another page follows', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(paginate(rows, 2)).toEqual({ items: [{ id: 'a' }, { id: 'b' }], nextCursor: encodeCursor('b') });
    expect(paginate(rows, 3)).toEqual({ items: rows, nextCursor: null });
    expect(paginate([], 3)).toEqual({ items: [], nextCursor: null });
  });
});
