import { z } from '@hono/zod-openapi';
import { EXECUTION_STATUSES, PRIORITY_DEFAULT, PRIORITY_MAX, PRIORITY_MIN } from '@flow-like/core';
import { API_KEY_SCOPES } from '@flow-like/db';

const uuid = () => z.string().uuid();
/** version numbers are PostgreSQL integers */
const versionNumber = () => z.number().int().positive().max(2_147_483_647);

export const idParam = z.object({
  id: uuid().openapi({ param: { name: 'id', in: 'path' }, example: '0192f0c4-6a8e-7c2a-9f51-1b2c3d4e5f60' }),
});

export const keyParams = z.object({
  id: uuid().openapi({ param: { name: 'id', in: 'path' } }),
  keyId: uuid().openapi({ param: { name: 'keyId', in: 'path' } }),
});

export const problemView = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const limitValue = z.number().int().positive().max(1_000_000);

export const createProjectBody = z
  .strictObject({
    name: z.string().min(1).max(100).regex(/^[a-z0-9][a-z0-9-_.]*$/i, 'letters, digits, "-", "_" and "." only'),
    concurrencyLimit: limitValue.optional(),
    maxQueueDepth: limitValue.optional(),
  })
  .openapi('CreateProject');

export const updateProjectBody = z
  .strictObject({ concurrencyLimit: limitValue.nullable().optional(), maxQueueDepth: limitValue.nullable().optional() })
  .openapi('UpdateProject');

export const projectView = z
  .object({ id: z.string(), name: z.string(), concurrencyLimit: z.number().nullable(), maxQueueDepth: z.number().nullable(), createdAt: z.string() })
  .openapi('Project');

export const scopes = z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length);

export const createKeyBody = z.strictObject({ name: z.string().min(1).max(100), scopes }).openapi('CreateApiKey');

export const apiKeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'the first characters of the key; the key itself is shown only at creation' }),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

export const createdKeyView = apiKeyView.extend({ key: z.string().openapi({ description: 'shown only this once' }) }).openapi('CreatedApiKey');

export const workflowView = z
  .object({
    id: z.string(),
    projectId: z.string(),
    name: z.string(),
    version: z.number(),
    latestVersion: z.number(),
    checksum: z.string(),
    createdAt: z.string(),
    links: z.object({ self: z.string(), executions: z.string() }),
  })
  .openapi('Workflow');

export const workflowSummaryView = z
  .object({
    id: z.string(),
    projectId: z.string(),
    name: z.string(),
    latestVersion: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    links: z.object({ self: z.string(), executions: z.string() }),
  })
  .openapi('WorkflowSummary');

export const workflowDetailView = workflowView.extend({ document: z.unknown() }).openapi('WorkflowDetail');

export const workflowVersionView = z.object({ version: z.number(), checksum: z.string(), createdAt: z.string() }).openapi('WorkflowVersion');

export const versionQuery = z.object({
  version: z.coerce.number().int().positive().max(2_147_483_647).optional().openapi({ param: { name: 'version', in: 'query' }, description: 'latest when absent' }),
});

export const pageQuery = z.object({
  cursor: z.string().max(200).optional().openapi({ param: { name: 'cursor', in: 'query' } }),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: 'limit', in: 'query' } }),
});

const isoDate = () => z.iso.datetime({ offset: true });

const executionOptions = {
  priority: z.number().int().min(PRIORITY_MIN).max(PRIORITY_MAX).default(PRIORITY_DEFAULT),
  runAt: isoDate().optional().openapi({ description: 'do not start before this time' }),
  timeoutSeconds: z.number().int().positive().optional().openapi({ description: 'run timeout; at most the configured maximum' }),
};

export const submitExecutionBody = z
  .strictObject({
    input: z.unknown().openapi({ description: 'workflow input, validated against the workflow input schema' }),
    version: versionNumber().optional().openapi({ description: 'workflow version; latest when absent' }),
    ...executionOptions,
  })
  .openapi('SubmitExecution');
export type SubmitExecutionBody = z.infer<typeof submitExecutionBody>;

export const batchItem = z.strictObject({ input: z.unknown(), ...executionOptions });
export type BatchItem = z.infer<typeof batchItem>;

export const batchSubmitBody = z
  .strictObject({
    version: versionNumber().optional(),
    items: z.array(batchItem).min(1).max(1_000),
  })
  .openapi('BatchSubmitExecutions');

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .openapi({ param: { name: 'idempotency-key', in: 'header' }, description: 'same key and body: the same execution; same key, other body: 409' }),
});

export const executionStatus = z.enum(EXECUTION_STATUSES);

export const listExecutionsQuery = pageQuery.extend({
  status: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: 'status', in: 'query' }, description: 'comma separated statuses', example: 'queued,running' }),
  workflowId: uuid().optional().openapi({ param: { name: 'workflowId', in: 'query' } }),
  createdAfter: isoDate().optional().openapi({ param: { name: 'createdAfter', in: 'query' } }),
  createdBefore: isoDate().optional().openapi({ param: { name: 'createdBefore', in: 'query' } }),
});

export const resultQuery = z.object({
  presign: z.enum(['true', 'false']).optional().openapi({ param: { name: 'presign', in: 'query' }, description: 'answer with a presigned URL instead of the body' }),
});

export const executionView = z
  .object({
    id: z.string(),
    projectId: z.string(),
    workflowId: z.string(),
    workflowVersion: z.number(),
    status: executionStatus,
    statusReason: z.string().nullable(),
    attempt: z.number(),
    priority: z.number(),
    runAt: z.string().nullable(),
    timeoutSeconds: z.number(),
    createdAt: z.string(),
    queuedAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.unknown().nullable(),
    history: z
      .array(z.object({ attempt: z.number(), from: executionStatus.nullable(), to: executionStatus, reason: z.string().nullable(), at: z.string() }))
      .optional(),
    links: z.object({ self: z.string(), result: z.string(), events: z.string(), workflow: z.string() }),
  })
  .openapi('Execution');

export const executionPage = z.object({ items: z.array(executionView), nextCursor: z.string().nullable() }).openapi('ExecutionPage');

export const waitReason = z.enum(['delayed', 'retry_backoff', 'project_limit', 'global_limit', 'next_in_line']);

export const statsView = z
  .object({
    projectId: z.string(),
    queued: z.number(),
    running: z.number().openapi({ description: 'executions holding a slot: dispatching, starting or running' }),
    limit: z.number().openapi({ description: "the project's concurrency limit" }),
    globalRunning: z.number(),
    globalLimit: z.number(),
    oldestQueuedAgeSeconds: z.number().nullable(),
  })
  .openapi('ProjectStats');

export const waitView = z
  .object({
    id: z.string(),
    status: executionStatus,
    waiting: z.boolean(),
    reason: waitReason.nullable(),
    detail: z.string(),
  })
  .openapi('ExecutionWait');
