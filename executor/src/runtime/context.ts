import type { Readable } from 'node:stream';
import type { EventSink } from './events.js';

export interface RunLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** Objects under the execution's artifact prefix in the content bucket; keys are relative. */
export interface ArtifactStore {
  put(key: string, body: string | Uint8Array | Readable, contentType: string, signal: AbortSignal): Promise<{ key: string; bytes?: number }>;
  /** reads at most `maxBytes`; more is an error, not a silent truncation */
  get(key: string, maxBytes: number, signal: AbortSignal): Promise<{ body: Buffer; contentType?: string }>;
}

/** Where step outputs over the inline threshold go, so memory stays bounded however large they are. */
export interface OutputStore {
  put(stepId: string, json: string, signal: AbortSignal): Promise<string>;
  get(key: string, signal: AbortSignal): Promise<unknown>;
}

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface StepChange {
  stepId: string;
  status: StepStatus;
  tries: number;
  error?: { reason: string; message: string } | undefined;
  output?: unknown;
  outputKey?: string | undefined;
}

/** Step status for Postgres; resolves once recorded (the reporter retries outages itself). */
export interface StepReporter {
  report(change: StepChange): Promise<void>;
}

export interface Clock {
  now(): number;
}

export interface RunLimits {
  /** serialized step outputs above this many bytes are offloaded to the output store */
  inlineOutputBytes: number;
  /** cap on parallel steps, whatever the document asks for */
  maxConcurrency: number;
}

export interface RunContext {
  executionId: string;
  attempt: number;
  /** aborting it stops starting steps and aborts the running ones */
  signal: AbortSignal;
  logger: RunLogger;
  events?: EventSink;
  artifacts?: ArtifactStore;
  outputs?: OutputStore;
  steps?: StepReporter;
  clock?: Clock;
  limits?: Partial<RunLimits>;
  /** the http step's transport; tests and proxies may replace it */
  fetch?: typeof fetch;
}

export const DEFAULT_LIMITS: RunLimits = {
  inlineOutputBytes: 256 * 1024,
  maxConcurrency: 32,
};
