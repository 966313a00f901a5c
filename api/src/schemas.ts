import { z } from '@hono/zod-openapi';
import { EXECUTION_STATUSES, PRIORITY_DEFAULT, PRIORITY_MAX, PRIORITY_MIN } from '@flow-like/core';

export const idParam = z.object({
  id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' }, example: '0192f0c4-6a8e-7c2a-9f51-1b2c3d4e5f60' }),
});

export const createProjectBody = z
  .object({
    name: z.string().min(1).max(100).regex(/^[a-z0-9][a-z0-9-_.]*$/i, 'letters, digits, "-", "_" and "." only'),
    concurrencyLimit: z.number().int().positive().max(100_000).optional(),
  })
  .openapi('CreateProject');

export const submitExecutionBody = z
  .object({
    input: z.unknown().openapi({ description: 'workflow input, validated against the workflow input schema' }),
    version: z.number().int().positive().optional().openapi({ description: 'workflow version; latest when absent' }),
    priority: z.number().int().min(PRIORITY_MIN).max(PRIORITY_MAX).default(PRIORITY_DEFAULT),
    timeoutSeconds: z.number().int().positive().optional(),
  })
  .openapi('SubmitExecution');

export const executionStatus = z.enum(EXECUTION_STATUSES);

export const executionView = z
  .object({
    id: z.string(),
    projectId: z.string(),
    workflowId: z.string(),
    workflowVersion: z.number(),
    status: executionStatus,
    attempt: z.number(),
    priority: z.number(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    error: z.unknown().nullable(),
    history: z
      .array(z.object({ attempt: z.number(), from: executionStatus.nullable(), to: executionStatus, reason: z.string().nullable(), at: z.string() }))
      .optional(),
    links: z.object({ self: z.string(), result: z.string(), workflow: z.string() }),
  })
  .openapi('Execution');
