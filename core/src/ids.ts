import { v7 as uuidv7 } from 'uuid';

/** Time-ordered ids (UUIDv7): they sort by creation, which keeps cursor pagination and btree inserts cheap. */
export function newId(): string {
  return uuidv7();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isId(value: string): boolean {
  return UUID.test(value);
}
