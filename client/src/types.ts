import type { z } from 'zod';
import type * as schemas from '@flow-like/api/schemas';

/** The api's own zod schemas, as types: the client cannot drift from what the server validates and answers. */
export type Problem = z.infer<typeof schemas.problemView>;
export type Project = z.infer<typeof schemas.projectView>;
export type CreateProject = z.input<typeof schemas.createProjectBody>;
export type UpdateProject = z.input<typeof schemas.updateProjectBody>;
export type ApiKey = z.infer<typeof schemas.apiKeyView>;
export type CreatedApiKey = z.infer<typeof schemas.createdKeyView>;
export type CreateApiKey = z.input<typeof schemas.createKeyBody>;
export type CreatedProject = Project & { apiKey: CreatedApiKey };
export type Workflow = z.infer<typeof schemas.workflowView>;
export type WorkflowSummary = z.infer<typeof schemas.workflowSummaryView>;
export type WorkflowDetail = z.infer<typeof schemas.workflowDetailView>;
export type WorkflowVersion = z.infer<typeof schemas.workflowVersionView>;
export type SubmitExecution = z.input<typeof schemas.submitExecutionBody>;
export type BatchSubmit = z.input<typeof schemas.batchSubmitBody>;
export type Execution = z.infer<typeof schemas.executionView>;
export type ExecutionStatus = z.infer<typeof schemas.executionStatus>;
export type ExecutionPage = z.infer<typeof schemas.executionPage>;
export type ProjectStats = z.infer<typeof schemas.statsView>;
export type ExecutionWait = z.infer<typeof schemas.waitView>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListExecutions {
  status?: ExecutionStatus[];
  workflowId?: string;
  createdAfter?: Date | string;
  createdBefore?: Date | string;
  cursor?: string;
  limit?: number;
}

/** One server-sent event: `status` for status changes, a run event's type otherwise, `end` last. */
export interface ExecutionEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}
