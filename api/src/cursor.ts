import { Invalid, isId } from '@flow-like/core';

/** Cursors are opaque to clients: the last id of a page, so a page boundary never shifts when rows are added. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isId(id)) throw new Invalid('is not a cursor this API returned', '/cursor');
  return id;
}

/** Fetch one row more than the page size to learn whether another page follows. */
export function paginate<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
