import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { readApiEnv, startApiService, type ApiService } from '@flow-like/api';
import { readDispatcherEnv, startDispatcherService, type DispatcherOverrides, type DispatcherService } from '@flow-like/dispatcher';
import type { TestEnv } from '@flow-like/testing/testEnv';
import { apiCaller, type Answer, type CallInit } from './apiCall.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXECUTOR_COMMAND = [process.execPath, 'executor/dist/main.js'];
const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface RunningSystem {
  apiUrl: string;
  adminToken: string;
  api: ApiService;
  dispatchers: DispatcherService[];
  /** fetch against the api with a bearer token, parsing JSON answers */
  call(path: string, init?: CallInit): Promise<Answer>;
  close(): Promise<void>;
}

export interface SystemOptions {
  dispatchers?: number;
  dispatcherEnv?: Record<string, string>;
  overrides?: DispatcherOverrides;
  logger?: Logger;
}

/**
 * The api and N dispatcher replicas in this process, executors as child
 * processes: the same path an execution takes in a cluster, on real Redis,
 * PostgreSQL and S3 servers.
 */
export async function startSystem(env: TestEnv, options: SystemOptions = {}): Promise<RunningSystem> {
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const api = await startApiService(readApiEnv({ ...env.env, PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN, LOG_LEVEL: 'silent' }), logger);
  const dispatchers: DispatcherService[] = [];
  for (let i = 0; i < (options.dispatchers ?? 1); i++) {
    dispatchers.push(
      await startDispatcherService(
        readDispatcherEnv({
          ...env.env,
          LAUNCHER: 'process',
          METRICS_PORT: '0',
          LOG_LEVEL: 'silent',
          PROCESS_EXECUTOR_COMMAND: JSON.stringify(EXECUTOR_COMMAND),
          ...options.dispatcherEnv,
        }),
        logger,
        { cwd: REPO_ROOT, ...options.overrides },
      ),
    );
  }
  const call = apiCaller(api.url);
  return {
    apiUrl: api.url,
    adminToken: ADMIN_TOKEN,
    api,
    dispatchers,
    call,
    async close() {
      await Promise.all(dispatchers.map((d) => d.close()));
      await api.close();
    },
  };
}

/** A project and its all-scopes API key, made through the admin route. */
export async function createProjectKey(system: RunningSystem, name: string): Promise<{ projectId: string; key: string }> {
  const { status, body } = await system.call('/v1/projects', { token: system.adminToken, body: { name } });
  if (status !== 201) throw new Error(`creating project ${name} failed: ${status} ${JSON.stringify(body)}`);
  return { projectId: body.id, key: body.apiKey.key };
}
