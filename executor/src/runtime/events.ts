/** What a client following an execution sees, one JSON line each, in order. */
export type RunEvent =
  | { type: 'execution.started'; workflow: string; version?: string | number | undefined }
  | {
      type: 'execution.finished';
      status: string;
      error?: { step?: string; type?: string; reason: string; message: string } | undefined;
      /** the workflow's retry policy queued another attempt, due after this long */
      retryInMs?: number;
    }
  | { type: 'step.started'; step: string; stepType: string; try: number }
  | { type: 'step.succeeded'; step: string; durationMs: number; output?: unknown; outputKey?: string }
  | { type: 'step.failed'; step: string; try: number; reason: string; message: string }
  | { type: 'step.retried'; step: string; try: number; delayMs: number; reason: string; message: string }
  | { type: 'step.skipped'; step: string; why: string }
  | { type: 'log'; step?: string; level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: unknown }
  /** log events left out while the event store was unreachable and too much was waiting */
  | { type: 'events.dropped'; count: number };

/** Accepts events without waiting: a slow store must not slow the workflow; the sink batches and flushes. */
export interface EventSink {
  emit(event: RunEvent): void;
}
