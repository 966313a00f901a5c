import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running server binary, started so that it cannot outlive this process. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<ServerExit>;
  isRunning(): boolean;
  /** The last few kilobytes the server printed, for error messages. */
  output(): string;
  /** Send a signal and wait until the process is gone. */
  signalAndWait(signal: NodeJS.Signals): Promise<ServerExit>;
}

export interface SpawnServerOptions {
  cwd?: string;
  /** Run as this user (e.g. `postgres`, which refuses to run as root). */
  user?: string;
  /** Called with every chunk of stdout/stderr, e.g. to spot a readiness line. */
  onOutput?: (chunk: string) => void;
}

const OUTPUT_LIMIT = 8192;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Spawn a server wrapped in `setpriv --pdeathsig KILL`: the kernel kills it
 * when this process dies, even by SIGKILL, so no server is left behind by a
 * crashed test run. setpriv execs the server, so signals reach it directly
 * (unlike runuser/su, which do not forward them).
 */
export function spawnServer(name: string, command: string, args: string[], options: SpawnServerOptions = {}): ServerProcess {
  killAllOnExit();
  const userArgs = options.user ? [`--reuid=${options.user}`, `--regid=${options.user}`, '--init-groups'] : [];
  const child = spawn('setpriv', [...userArgs, '--pdeathsig', 'KILL', '--', command, ...args], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const collect = (data: Buffer): void => {
    const text = data.toString('utf8');
    tail = (tail + text).slice(-OUTPUT_LIMIT);
    options.onOutput?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  live.add(child);

  let running = true;
  const exited = new Promise<ServerExit>((resolve) => {
    child.on('error', (error) => {
      tail += `\n${error.message}`;
      running = false;
      live.delete(child);
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => {
      running = false;
      live.delete(child);
      resolve({ code, signal });
    });
  });

  return {
    name,
    pid: child.pid ?? -1,
    exited,
    isRunning: () => running,
    output: () => tail,
    signalAndWait: async (signal) => {
      if (running) child.kill(signal);
      return exited;
    },
  };
}

/** Ask a server to stop; if it has not gone within the grace period, kill it. */
export async function stopGracefully(server: ServerProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (!server.isRunning()) return;
  const timer = setTimeout(() => void server.signalAndWait('SIGKILL'), graceMs);
  try {
    await server.signalAndWait(signal);
  } finally {
    clearTimeout(timer);
  }
}
