import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { expect } from 'vitest';
import { readApiEnv, startApiService, type ApiService } from '@flow-like/api';
import type { TestEnv } from '@flow-like/testing/testEnv';
import { apiCaller, type Answer, type CallInit } from '../support/apiCall.js';

export const ADMIN_TOKEN = 'route-test-admin-token-0123456789';
export const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

export type { Answer, CallInit } from '../support/apiCall.js';

export interface RunningApi {
  url: string;
  service: ApiService;
  call(path: string, init?: CallInit): Promise<Answer>;
  close(): Promise<void>;
}

/** Every line the api logged, as parsed JSON, for tests that check what is (not) logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** The api alone (no dispatcher), so submitted executions stay queued where a test can inspect them. */
export async function startApi(env: TestEnv, options: { env?: Record<string, string>; logger?: Logger } = {}): Promise<RunningApi> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const service = await startApiService(
    readApiEnv({ ...env.env, PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN, LOG_LEVEL: 'silent', ...options.env }),
    logger,
  );
  const call = apiCaller(service.url);
  return { url: service.url, service, call, close: () => service.close() };
}

export async function createProject(api: RunningApi, name: string, extra: Record<string, unknown> = {}): Promise<{ projectId: string; key: string }> {
  const { status, body } = await api.call('/v1/projects', { token: ADMIN_TOKEN, body: { name, ...extra } });
  if (status !== 201) throw new Error(`creating project ${name} failed: ${status} ${JSON.stringify(body)}`);
  return { projectId: body.id, key: body.apiKey.key };
}

export async function registerWorkflow(api: RunningApi, key: string, document: unknown): Promise<string> {
  const { status, body } = await api.call('/v1/workflows', { token: key, body: document });
  if (status !== 201) throw new Error(`registering failed: ${status} ${JSON.stringify(body)}`);
  return body.id;
}

/** An RFC 9457 problem with the status, and never a stack trace. */
export function expectProblem(answer: Answer, status: number, detail?: RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ type: expect.any(String), status, title: expect.any(String), detail: expect.any(String) });
  expect(answer.text).not.toMatch(/\n\s+at |\bat .*\.ts:\d+/);
  if (detail) expect(answer.body.detail).toMatch(detail);
}

export const greeting = {
  name: 'greeting',
  inputSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 100 } }, additionalProperties: false },
  steps: [{ id: 'greet', type: 'transform', params: { expression: '"Hello, " & input.name & "!"' } }],
  output: '{ "message": steps.greet.output }',
};
