import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { findFreePort } from '@flow-like/embedded';
import { ACTIVE_STATUSES, TERMINAL_STATUSES } from '@flow-like/core';
import type { RunningSystem } from '../../support/system.js';

export const FAKE_EXECUTOR = ['bash', fileURLToPath(new URL('./fakeExecutor.sh', import.meta.url))];
const DISPATCHER_MAIN = fileURLToPath(new URL('../../../dispatcher/dist/main.js', import.meta.url));

/** Dispatcher settings that make recovery happen within a test's patience. */
export function fastDispatcherEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PROCESS_EXECUTOR_COMMAND: JSON.stringify(FAKE_EXECUTOR),
    ADMISSION_INTERVAL_MS: '200',
    HEARTBEAT_INTERVAL_MS: '300',
    // loaded test machines stall event loops for seconds: staleness, which only the fault test provokes, must not fire on that
    STALE_AFTER_SECONDS: '30',
    SWEEP_INTERVAL_MS: '200',
    RECONCILE_INTERVAL_MS: '500',
    RETRY_BASE_DELAY_MS: '100',
    RETRY_MAX_DELAY_MS: '1000',
    SHUTDOWN_GRACE_SECONDS: '1',
    ...overrides,
  };
}

/** The fake executor writes one row here per process it is started as, before anything else. */
export async function createLaunchLog(pool: pg.Pool): Promise<void> {
  await pool.query('CREATE TABLE IF NOT EXISTS test_launches (execution_id uuid NOT NULL, attempt int NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())');
}

export const anyInput = { name: 'fake', steps: [{ id: 'noop', type: 'transform', params: { expression: '1' } }] };

export async function registerWorkflow(system: RunningSystem, key: string, name = 'fake'): Promise<string> {
  const registered = await system.call('/v1/workflows', { token: key, body: { ...anyInput, name } });
  if (registered.status !== 201) throw new Error(`registering a workflow failed: ${registered.status} ${JSON.stringify(registered.body)}`);
  return registered.body.id;
}

export interface SubmitItem {
  input: { mode?: string; ms?: number };
  priority?: number;
  runAt?: string;
  timeoutSeconds?: number;
}

export async function submit(system: RunningSystem, key: string, workflowId: string, items: SubmitItem[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < items.length; i += 1_000) {
    const { status, body } = await system.call(`/v1/workflows/${workflowId}/executions/batch`, { token: key, body: { items: items.slice(i, i + 1_000) } });
    if (status !== 202) throw new Error(`submitting failed: ${status} ${JSON.stringify(body)}`);
    ids.push(...body.items.map((item: { id: string }) => item.id));
  }
  return ids;
}

const ACTIVE_LIST = ACTIVE_STATUSES.map((s) => `'${s}'`).join(',');
const TERMINAL_LIST = TERMINAL_STATUSES.map((s) => `'${s}'`).join(',');

/** Samples the executions holding a slot, as often as Postgres answers, until stopped. */
export function sampleActiveCounts(pool: pg.Pool): { stop(): Promise<{ samples: number; maxGlobal: number; maxPerProject: Map<string, number> }> } {
  let stopped = false;
  let samples = 0;
  let maxGlobal = 0;
  const maxPerProject = new Map<string, number>();
  const loop = (async () => {
    while (!stopped) {
      try {
        const { rows } = await pool.query<{ project_id: string; n: number }>(`SELECT project_id, count(*)::int AS n FROM executions WHERE status IN (${ACTIVE_LIST}) GROUP BY project_id`);
        samples += 1;
        maxGlobal = Math.max(maxGlobal, rows.reduce((sum, r) => sum + r.n, 0));
        for (const r of rows) maxPerProject.set(r.project_id, Math.max(maxPerProject.get(r.project_id) ?? 0, r.n));
      } catch {
        // Postgres restarting: the samples resume when it is back
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { samples, maxGlobal, maxPerProject };
    },
  };
}

export async function countUnfinished(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM executions WHERE status NOT IN (${TERMINAL_LIST})`);
  return rows[0]!.n;
}

/** Every broken promise about endings and launches, as readable lines; empty when all hold. */
export async function invariantViolations(pool: pg.Pool): Promise<string[]> {
  const problems: string[] = [];
  const endings = await pool.query<{ id: string; n: number }>(
    `SELECT e.id, count(t.id)::int AS n FROM executions e LEFT JOIN execution_transitions t ON t.execution_id = e.id AND t.to_status IN (${TERMINAL_LIST})
     GROUP BY e.id HAVING count(t.id) <> 1`,
  );
  for (const r of endings.rows) problems.push(`execution ${r.id} reached ${r.n} terminal statuses`);
  const twice = await pool.query<{ execution_id: string; attempt: number; n: number }>(
    'SELECT execution_id, attempt, count(*)::int AS n FROM test_launches GROUP BY execution_id, attempt HAVING count(*) > 1',
  );
  for (const r of twice.rows) problems.push(`attempt ${r.attempt} of ${r.execution_id} was launched ${r.n} times`);
  const cancelledRan = await pool.query<{ execution_id: string }>(
    `SELECT t.execution_id FROM execution_transitions t JOIN test_launches l ON l.execution_id = t.execution_id
     WHERE t.to_status = 'cancelled' AND t.from_status = 'queued' AND l.attempt = t.attempt`,
  );
  for (const r of cancelledRan.rows) problems.push(`execution ${r.execution_id} was cancelled while queued and still started`);
  return problems;
}

export interface DispatcherChild {
  process: ChildProcess;
  exited: Promise<void>;
  /** answers once the replica serves /readyz */
  ready(): Promise<boolean>;
}

/** A dispatcher replica as a process of its own, so a test can SIGKILL it. */
export async function spawnDispatcher(env: Record<string, string>, cwd: string): Promise<DispatcherChild> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [DISPATCHER_MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LAUNCHER: 'process', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...env, METRICS_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
  return { process: child, exited, ready };
}
