import { LRUCache } from 'lru-cache';
import { TooManyRequests } from '@flow-like/core';
import type { QueueRoom } from '@flow-like/db/queueRoom';

const QUEUE_FULL_RETRY_AFTER_SECONDS = 5;
/** how full a counted queue may be for the count to be reused */
const TRUSTED_FILL = 0.5;

interface Snapshot {
  room: QueueRoom;
  countedAt: number;
  /** accepted by this replica since the count */
  added: number;
}

/** Queue depths are counted only to one past their limit. */
function countedUpTo(counted: number, limit: number): string {
  return counted > limit ? `more than ${limit}` : String(counted);
}

/** Refuse a submission of `adding` executions that would take a queue past its depth (DESIGN.md §5 backpressure). */
export function refuseIfFull(room: QueueRoom, adding: number, totalLimit: number): void {
  if (room.project + adding > room.projectLimit) {
    throw new TooManyRequests(
      `the project has ${countedUpTo(room.project, room.projectLimit)} queued executions; its queue holds at most ${room.projectLimit}`,
      QUEUE_FULL_RETRY_AFTER_SECONDS,
    );
  }
  if (room.total + adding > totalLimit) {
    throw new TooManyRequests(
      `the queue is full (${countedUpTo(room.total, totalLimit)} queued executions, at most ${totalLimit}); try again later`,
      QUEUE_FULL_RETRY_AFTER_SECONDS,
    );
  }
}

function withinTrust(snapshot: Snapshot, adding: number, totalLimit: number): boolean {
  const { room, added } = snapshot;
  return room.project + added + adding <= room.projectLimit * TRUSTED_FILL && room.total + added + adding <= totalLimit * TRUSTED_FILL;
}

export interface QueueRoomGate {
  /** resolves when `adding` more executions fit in the project's and the install's queue, else throws TooManyRequests */
  admit(projectId: string, adding: number): Promise<void>;
}

/**
 * Backpressure without counting the queue for every submission: a count is
 * exact but walks up to `limit` queued rows in Postgres. A count at most
 * `maxAgeMs` old, plus what this replica accepted since, is reused while it
 * leaves both queues at most half full; nearer a limit every submission is
 * counted afresh, so a single replica refuses at exactly the limit. Within
 * `maxAgeMs` other replicas may add what they accept in that time, and a
 * changed project limit takes effect after at most `maxAgeMs`.
 */
export function queueRoomGate(
  count: (projectId: string) => Promise<QueueRoom>,
  options: { totalLimit: number; maxAgeMs: number; now?: () => number },
): QueueRoomGate {
  const now = options.now ?? Date.now;
  const snapshots = new LRUCache<string, Snapshot>({ max: 10_000 });
  return {
    async admit(projectId, adding) {
      const snapshot = snapshots.get(projectId);
      if (snapshot && now() - snapshot.countedAt < options.maxAgeMs && withinTrust(snapshot, adding, options.totalLimit)) {
        snapshot.added += adding;
        return;
      }
      const countedAt = now();
      const room = await count(projectId);
      refuseIfFull(room, adding, options.totalLimit);
      snapshots.set(projectId, { room, countedAt, added: adding });
    },
  };
}
