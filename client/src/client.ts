import { errorOf } from './apiError.js';
import { readEventStream } from './eventStream.js';
import type {
  ApiKey,
  BatchSubmit,
  CreateApiKey,
  CreatedApiKey,
  CreatedProject,
  CreateProject,
  Execution,
  ExecutionEvent,
  ExecutionWait,
  ListExecutions,
  Page,
  Project,
  ProjectStats,
  SubmitExecution,
  UpdateProject,
  Workflow,
  WorkflowDetail,
  WorkflowSummary,
  WorkflowVersion,
} from './types.js';

export interface ClientOptions {
  /** e.g. https://flow-like.example.com */
  baseUrl: string;
  /** a project API key, or the operator admin token for project administration */
  apiKey: string;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

const iso = (value: Date | string | undefined) => (value instanceof Date ? value.toISOString() : value);

/** A client of one api for one credential. Every non-2xx answer throws ApiError. */
export function createClient(options: ClientOptions) {
  const send = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');

  async function request(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, ...init.headers };
    let body: string | undefined = init.raw;
    if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(init.body);
    }
    const response = await send(base + path, { method, headers, ...(body === undefined ? {} : { body }) });
    if (!response.ok) throw await errorOf(response);
    return response;
  }
  const json = async <T>(method: string, path: string, init?: Parameters<typeof request>[2]): Promise<T> => (await (await request(method, path, init)).json()) as T;
  const id = (value: string) => encodeURIComponent(value);

  return {
    projects: {
      create: (body: CreateProject) => json<CreatedProject>('POST', '/v1/projects', { body }),
      list: () => json<{ items: Project[] }>('GET', '/v1/projects'),
      get: (projectId: string) => json<Project>('GET', `/v1/projects/${id(projectId)}`),
      update: (projectId: string, body: UpdateProject) => json<Project>('PATCH', `/v1/projects/${id(projectId)}`, { body }),
      stats: (projectId: string) => json<ProjectStats>('GET', `/v1/projects/${id(projectId)}/stats`),
      createKey: (projectId: string, body: CreateApiKey) => json<CreatedApiKey>('POST', `/v1/projects/${id(projectId)}/keys`, { body }),
      listKeys: (projectId: string) => json<{ items: ApiKey[] }>('GET', `/v1/projects/${id(projectId)}/keys`),
      revokeKey: (projectId: string, keyId: string) => json<ApiKey>('DELETE', `/v1/projects/${id(projectId)}/keys/${id(keyId)}`),
    },
    workflows: {
      /** a document object, or YAML text */
      register: (document: Record<string, unknown> | string) =>
        typeof document === 'string'
          ? json<Workflow>('POST', '/v1/workflows', { raw: document, headers: { 'content-type': 'application/yaml' } })
          : json<Workflow>('POST', '/v1/workflows', { body: document }),
      list: (page: { cursor?: string; limit?: number } = {}) => json<Page<WorkflowSummary>>('GET', `/v1/workflows${queryString(page)}`),
      get: (workflowId: string, version?: number) => json<WorkflowDetail>('GET', `/v1/workflows/${id(workflowId)}${queryString({ version })}`),
      versions: (workflowId: string) => json<{ items: WorkflowVersion[] }>('GET', `/v1/workflows/${id(workflowId)}/versions`),
      delete: async (workflowId: string) => {
        await request('DELETE', `/v1/workflows/${id(workflowId)}`);
      },
    },
    executions: {
      submit: (workflowId: string, body: SubmitExecution, extra: { idempotencyKey?: string } = {}) =>
        json<Execution>('POST', `/v1/workflows/${id(workflowId)}/executions`, {
          body,
          ...(extra.idempotencyKey ? { headers: { 'idempotency-key': extra.idempotencyKey } } : {}),
        }),
      submitBatch: (workflowId: string, body: BatchSubmit) => json<{ items: Execution[] }>('POST', `/v1/workflows/${id(workflowId)}/executions/batch`, { body }),
      list: (filter: ListExecutions = {}) =>
        json<Page<Execution>>(
          'GET',
          `/v1/executions${queryString({
            status: filter.status?.join(','),
            workflowId: filter.workflowId,
            createdAfter: iso(filter.createdAfter),
            createdBefore: iso(filter.createdBefore),
            cursor: filter.cursor,
            limit: filter.limit,
          })}`,
        ),
      get: (executionId: string) => json<Execution>('GET', `/v1/executions/${id(executionId)}`),
      cancel: (executionId: string) => json<Execution>('POST', `/v1/executions/${id(executionId)}/cancel`),
      rerun: (executionId: string) => json<Execution>('POST', `/v1/executions/${id(executionId)}/rerun`),
      wait: (executionId: string) => json<ExecutionWait>('GET', `/v1/executions/${id(executionId)}/wait`),
      result: <T = unknown>(executionId: string) => json<{ output: T }>('GET', `/v1/executions/${id(executionId)}/result`),
      resultUrl: (executionId: string) => json<{ url: string; expiresAt: string }>('GET', `/v1/executions/${id(executionId)}/result?presign=true`),
      /** Status changes and run events until the execution has finished; pass the last id seen to resume. */
      async *events(executionId: string, resume: { lastEventId?: string; signal?: AbortSignal } = {}): AsyncGenerator<ExecutionEvent> {
        const response = await send(`${base}/v1/executions/${id(executionId)}/events`, {
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            accept: 'text/event-stream',
            ...(resume.lastEventId ? { 'last-event-id': resume.lastEventId } : {}),
          },
          ...(resume.signal ? { signal: resume.signal } : {}),
        });
        if (!response.ok) throw await errorOf(response);
        yield* readEventStream(response.body!);
      },
    },
  };
}

export type FlowLikeClient = ReturnType<typeof createClient>;
