import type { Logger } from 'pino';
import type { DispatcherEnv } from './env.js';
import { EXECUTOR_S3_VARIABLES } from './env.js';
import type { Launcher } from './launcher.js';
import { createProcessLauncher } from './process/processLauncher.js';

/** The launcher that LAUNCHER names, built from the dispatcher's configuration. */
export function launcherFromEnv(env: DispatcherEnv, logger: Logger, cwd?: string): Launcher {
  switch (env.LAUNCHER) {
    case 'process': {
      const executorEnv: Record<string, string> = { DATABASE_URL: env.DATABASE_URL, LOG_LEVEL: env.LOG_LEVEL };
      for (const name of EXECUTOR_S3_VARIABLES) {
        const value = env[name];
        if (value !== undefined) executorEnv[name] = value;
      }
      if (process.env.PATH) executorEnv.PATH = process.env.PATH;
      return createProcessLauncher({ command: env.PROCESS_EXECUTOR_COMMAND, env: executorEnv, ...(cwd ? { cwd } : {}) }, logger);
    }
    case 'kubernetes':
      throw new Error('LAUNCHER=kubernetes is not available in this build');
  }
}
