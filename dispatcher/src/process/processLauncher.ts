import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { LaunchedRun, LaunchRequest, Launcher, RunOutcome } from '../launcher.js';

export interface ProcessLauncherConfig {
  /** argv of the executor, e.g. ["node", "/app/executor/dist/main.js"] */
  command: readonly string[];
  /** environment of every executor: connection settings, never the dispatcher's whole env */
  env: Record<string, string>;
  cwd?: string;
  /** how long SIGTERM may take before SIGKILL */
  killGraceMs?: number;
}

const STDERR_TAIL_BYTES = 4_096;

/**
 * Runs each attempt as a local child process: the same contract as a
 * Kubernetes Job, for local mode and most end-to-end tests. Children are
 * known only to this dispatcher process, so `attach` finds runs started here.
 */
export function createProcessLauncher(config: ProcessLauncherConfig, logger: Logger): Launcher {
  const runs = new Map<string, LaunchedRun>();
  const killGraceMs = config.killGraceMs ?? 10_000;
  const key = (executionId: string, attempt: number) => `${executionId}/${attempt}`;

  function start(request: LaunchRequest): LaunchedRun {
    const [file, ...args] = config.command;
    if (!file) throw new Error('the executor command is empty');
    const child: ChildProcess = spawn(file, args, {
      cwd: config.cwd,
      env: {
        ...config.env,
        EXECUTION_ID: request.executionId,
        EXECUTION_ATTEMPT: String(request.attempt),
        PROJECT_ID: request.projectId,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderrTail = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    let deadline: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let cancelled = false;
    const terminate = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), killGraceMs);
      killTimer.unref();
    };
    deadline = setTimeout(() => {
      timedOut = true;
      terminate();
    }, request.timeoutSeconds * 1_000);
    deadline.unref();

    const done = new Promise<RunOutcome>((resolve) => {
      child.once('error', (error) => {
        clearTimeout(deadline);
        resolve({ kind: 'failed', reason: 'LaunchFailed', message: error.message });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(deadline);
        clearTimeout(killTimer);
        runs.delete(key(request.executionId, request.attempt));
        if (code === 0) return resolve({ kind: 'exited', exitCode: 0 });
        if (timedOut) return resolve({ kind: 'failed', reason: 'DeadlineExceeded', message: `the run exceeded ${request.timeoutSeconds}s` });
        if (cancelled) return resolve({ kind: 'failed', reason: 'Cancelled', message: 'the run was cancelled' });
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
        resolve({ kind: 'failed', reason: 'ExecutorCrashed', message: `the executor ${how}${tail ? `: ${tail}` : ''}`, ...(code === null ? {} : { exitCode: code }) });
      });
    });
    logger.debug({ executionId: request.executionId, attempt: request.attempt, pid: child.pid }, 'executor process started');
    return {
      runner: `pid:${child.pid ?? 'unknown'}`,
      done,
      cancel: async () => {
        cancelled = true;
        terminate();
        await done;
      },
    };
  }

  return {
    async launch(request) {
      const existing = runs.get(key(request.executionId, request.attempt));
      if (existing) return existing;
      const run = start(request);
      runs.set(key(request.executionId, request.attempt), run);
      return run;
    },
    async attach(executionId, attempt) {
      return runs.get(key(executionId, attempt));
    },
    async close() {
      await Promise.all([...runs.values()].map((run) => run.cancel()));
    },
  };
}
