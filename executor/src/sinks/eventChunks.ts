import type { EventSink, RunEvent } from '../runtime/events.js';
import { withRetry, type RetryPolicy } from '../retry.js';

export interface EventChunksOptions {
  /** stores chunk number `seq`; must be idempotent (the same seq may be written again after an unclear failure) */
  write(seq: number, body: string): Promise<void>;
  /** the longest an event waits before it is written; under a second so a client can follow the run */
  flushMs: number;
  /** a chunk is cut early once this many bytes are waiting */
  chunkBytes: number;
  /** while the store is away, log events beyond this many waiting bytes are dropped (and counted) */
  maxPendingBytes: number;
  /** how long the final flush keeps trying */
  retry: RetryPolicy;
  onFlushError?(error: Error): void;
  now?(): number;
}

/**
 * Events as NDJSON chunk objects: `emit` only appends to memory, a timer
 * writes what waits as the next chunk. A failed write keeps its chunk (same
 * seq, same bytes) and is tried again on the next tick, so chunks have no
 * gaps and no duplicates. `close` writes the rest, retrying for a bounded
 * time, and throws if it cannot.
 */
export class EventChunks implements EventSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private inFlight: { seq: number; body: string } | undefined;
  private nextSeq = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: EventChunksOptions) {}

  /** how many chunks are stored so far */
  get writtenChunks(): number {
    return this.nextSeq;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flushQuietly(), this.options.flushMs);
  }

  emit(event: RunEvent): void {
    if (this.closed) return;
    if (event.type === 'log' && this.pendingBytes > this.options.maxPendingBytes) {
      this.dropped += 1;
      return;
    }
    if (this.dropped > 0 && this.pendingBytes <= this.options.maxPendingBytes) {
      this.append({ type: 'events.dropped', count: this.dropped });
      this.dropped = 0;
    }
    this.append(event);
    if (this.pendingBytes >= this.options.chunkBytes) void this.flushQuietly();
  }

  /** Write everything emitted so far; resolves when it is stored, rejects with the store's error. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stop the timer and store the rest, retrying through an outage for the policy's time. */
  async close(retry: RetryPolicy = this.options.retry): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flushing?.catch(() => {});
    await withRetry(() => this.flush(), retry);
  }

  /** Stop without writing what waits: the attempt is no longer ours to write for. */
  discard(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight = undefined;
  }

  private append(event: RunEvent): void {
    const line = JSON.stringify({ at: new Date(this.options.now?.() ?? Date.now()).toISOString(), ...event }) + '\n';
    this.pending.push(line);
    this.pendingBytes += Buffer.byteLength(line);
  }

  private async flushQuietly(): Promise<void> {
    try {
      await this.flush();
    } catch (error) {
      this.options.onFlushError?.(error as Error);
    }
  }

  private async writeAll(): Promise<void> {
    for (;;) {
      const chunk = (this.inFlight ??= this.cutChunk());
      if (!chunk) return;
      await this.options.write(chunk.seq, chunk.body);
      this.nextSeq = chunk.seq + 1;
      if (this.inFlight === chunk) this.inFlight = undefined;
    }
  }

  private cutChunk(): { seq: number; body: string } | undefined {
    if (this.pending.length === 0) return undefined;
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length && (count === 0 || bytes < this.options.chunkBytes)) {
      bytes += Buffer.byteLength(this.pending[count]!);
      count += 1;
    }
    const lines = this.pending.splice(0, count);
    this.pendingBytes -= bytes;
    return { seq: this.nextSeq, body: lines.join('') };
  }
}
