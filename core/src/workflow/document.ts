import { z } from 'zod';
import { backoffPolicy, retryPolicy, type RetryPolicy, type StepType } from './stepParams.js';

/** Ids are JSONata names, so `steps.fetchUser.output` works without quoting. */
export const STEP_ID = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export const stepDefinitionSchema = z.strictObject({
  id: z.string(),
  type: z.string(),
  params: z.record(z.string(), z.unknown()).default({}),
  needs: z.array(z.string()).default([]),
  /** an expression; the step is skipped when it is falsy */
  if: z.string().min(1).optional(),
  timeoutSeconds: z.number().positive().max(86_400).optional(),
  retry: retryPolicy.optional(),
  /** an expression over `{ input, steps, result }` that shapes what the step outputs */
  output: z.string().min(1).optional(),
});

/**
 * The workflow asks for its own failures to be tried again: each new try is a
 * new attempt of the execution, queued again after the backoff. Losses of the
 * platform (an evicted pod, a crashed executor) are retried within the same
 * number of attempts.
 */
export const executionRetryPolicy = z.strictObject({
  /** total attempts, the first included */
  attempts: z.number().int().min(1).max(10),
  backoff: backoffPolicy.prefault({}),
});
export type ExecutionRetryPolicy = z.infer<typeof executionRetryPolicy>;

export const workflowDocumentSchema = z.strictObject({
  name: z.string().min(1).max(200),
  /** the author's own label (e.g. "1.4.0"); the registry numbers versions itself */
  version: z.union([z.string().min(1).max(50), z.number()]).optional(),
  description: z.string().max(10_000).optional(),
  /** JSON Schema of the execution input */
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  /** steps running at the same time within one execution */
  concurrency: z.number().int().min(1).max(64).default(8),
  steps: z.array(stepDefinitionSchema).min(1).max(500),
  retry: executionRetryPolicy.optional(),
  /** an expression over `{ input, steps }`; without it the output collects the outputs of the final steps */
  output: z.string().min(1).optional(),
});

export interface StepDefinition {
  id: string;
  type: StepType;
  params: Record<string, unknown>;
  needs: string[];
  if?: string | undefined;
  timeoutSeconds?: number | undefined;
  retry?: RetryPolicy | undefined;
  output?: string | undefined;
}

export interface WorkflowDocument {
  name: string;
  version?: string | number | undefined;
  description?: string | undefined;
  inputSchema?: Record<string, unknown> | undefined;
  concurrency: number;
  steps: StepDefinition[];
  retry?: ExecutionRetryPolicy | undefined;
  output?: string | undefined;
}
