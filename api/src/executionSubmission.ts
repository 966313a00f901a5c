import { createHash } from 'node:crypto';
import {
  Conflict,
  type DomainError,
  Invalid,
  newId,
  PayloadTooLarge,
  validateWorkflowInput,
  type InvalidIssue,
} from '@flow-like/core';
import { submitExecutions, WorkflowChanged, type Execution, type NewExecution } from '@flow-like/db';
import { canonicalJson } from './canonicalJson.js';
import type { ApiDeps } from './context.js';
import type { ApiLimits } from './env.js';
import { enqueueExecutions, withdrawExecutions } from './executionQueue.js';
import type { QueueRoomGate } from './queueRoomGate.js';
import { unstorableJson } from './storableJson.js';
import type { SubmissionTarget, SubmissionTargets, TargetRequest } from './submissionTargets.js';

export interface ExecutionRequest {
  input?: unknown;
  priority: number;
  runAt?: string | undefined;
  timeoutSeconds?: number | undefined;
}

const DAY_MS = 86_400_000;
/** a delay is kept in the queue as a timestamp; far-future ones are almost certainly a client's mistake */
const MAX_RUN_AT_DAYS = 366;

/** A queued execution's row values, or every reason it cannot be one (paths relative to the request item). */
export function prepareExecution(
  request: ExecutionRequest,
  target: SubmissionTarget,
  limits: ApiLimits,
  now: Date,
): { values: NewExecution } | { issues: InvalidIssue[]; tooLarge?: string } {
  const unstorable = unstorableJson(request.input, '/input');
  if (unstorable) return { issues: [unstorable] };
  const inputBytes = Buffer.byteLength(JSON.stringify(request.input ?? null), 'utf8');
  if (inputBytes > limits.maxInputBytes) {
    return { issues: [], tooLarge: `the input has ${inputBytes} bytes; at most ${limits.maxInputBytes} are accepted` };
  }
  const issues: InvalidIssue[] = [];
  if (request.runAt && Date.parse(request.runAt) > now.getTime() + MAX_RUN_AT_DAYS * DAY_MS) {
    issues.push({ path: '/runAt', message: `must be at most ${MAX_RUN_AT_DAYS} days ahead` });
  }
  try {
    validateWorkflowInput(target.document, request.input);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    issues.push(...error.issues);
  }
  const timeoutSeconds = request.timeoutSeconds ?? limits.runTimeoutSeconds;
  if (timeoutSeconds > limits.maxRunTimeoutSeconds) {
    issues.push({ path: '/timeoutSeconds', message: `must be at most ${limits.maxRunTimeoutSeconds}` });
  }
  if (issues.length > 0) return { issues };
  return {
    values: {
      id: newId(),
      projectId: target.projectId,
      workflowId: target.workflowId,
      workflowVersion: target.version,
      input: request.input ?? null,
      priority: request.priority,
      runAt: request.runAt ? new Date(request.runAt) : null,
      timeoutSeconds,
      // the workflow's own failures are retried only when its version asks; platform losses share the budget
      maxAttempts: target.document.retry?.attempts ?? 1,
    },
  };
}

/** What makes two submissions under one Idempotency-Key "the same request". */
export function requestHash(workflowId: string, body: unknown): string {
  return createHash('sha256').update(canonicalJson({ workflowId, body })).digest('hex');
}

export interface Rejection {
  /** JSON pointer of the request item the issues belong to */
  prefix: string;
  issues: InvalidIssue[];
  tooLarge?: string;
}

/** The error for the rejected items of one request: 413 if any input is too large, else one 422 listing every issue. */
export function rejectionError(rejections: Rejection[]): DomainError | undefined {
  const tooLarge = rejections.find((r) => r.tooLarge);
  if (tooLarge) return new PayloadTooLarge(`${tooLarge.prefix || '/input'}: ${tooLarge.tooLarge}`);
  const issues = rejections.flatMap((r) => r.issues.map((issue) => ({ path: r.prefix + issue.path, message: issue.message })));
  return issues.length > 0 ? new Invalid(issues) : undefined;
}

/** The error of one rejected item. */
export function rejectedItem(rejection: { issues: InvalidIssue[]; tooLarge?: string }): DomainError {
  return rejectionError([{ prefix: '', ...rejection }]) ?? new Invalid('the request was rejected');
}

export interface SubmissionGates {
  targets: SubmissionTargets;
  room: QueueRoomGate;
}

/** Enqueue and insert (one Redis and one Postgres round trip, see submitExecutions), then count them. */
async function acceptExecutions(deps: ApiDeps, values: NewExecution[], options: { latest?: boolean } = {}): Promise<Execution[]> {
  const now = deps.now ?? (() => new Date());
  const rows = await submitExecutions(
    deps.db,
    values,
    {
      enqueue: (queued) => enqueueExecutions(deps.queue, queued, now()),
      withdraw: (queued) => withdrawExecutions(deps.queue, queued, (error) => deps.logger.warn({ err: error }, 'withdrawing a wake-up failed; it only wakes an admission round')),
    },
    options,
  );
  if (rows[0]) deps.metrics.submissions.inc({ project: rows[0].projectId }, rows.length);
  return rows;
}

/**
 * Store executions of one workflow: read the version they run (cached), build
 * their rows, check queue room, enqueue and insert. When the insert finds the
 * workflow changed since a cached read, the rows are built once more from a
 * fresh read (which answers 404 for a deleted workflow).
 */
export async function submitToWorkflow(
  deps: ApiDeps,
  gates: SubmissionGates,
  request: TargetRequest,
  build: (target: SubmissionTarget) => NewExecution[],
): Promise<Execution[]> {
  for (const fresh of [false, true]) {
    const target = await gates.targets.get(request, { fresh });
    const values = build(target);
    await gates.room.admit(request.projectId, values.length);
    try {
      return await acceptExecutions(deps, values, { latest: request.version === undefined });
    } catch (error) {
      if (!(error instanceof WorkflowChanged)) throw error;
    }
  }
  throw new Conflict(`workflow ${request.workflowId} changed while the submission was stored; try again`);
}

export function isIdempotencyConflict(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (candidate.code === '23505' && candidate.constraint === 'executions_project_idempotency_idx') return true;
    current = candidate.cause;
  }
  return false;
}

/** The answer to a repeated Idempotency-Key: the first execution when the request is the same, else 409. */
export function replayOrConflict(existing: Execution, hash: string): Execution {
  if (existing.requestHash !== hash) {
    throw new Conflict('this Idempotency-Key was already used with a different request body');
  }
  return existing;
}
