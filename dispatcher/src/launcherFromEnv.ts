import type { Logger } from 'pino';
import type { DispatcherEnv } from './env.js';
import { EXECUTOR_S3_VARIABLES } from './env.js';
import type { Launcher } from './launcher.js';
import { kubernetesLauncherConfigFrom } from './kubernetes/env.js';
import { loadKubeConfig } from './kubernetes/kubeConfig.js';
import { createKubernetesLauncher } from './kubernetes/kubernetesLauncher.js';
import { createProcessLauncher } from './process/processLauncher.js';

const SECRET_S3_VARIABLES: ReadonlySet<string> = new Set(['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']);

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
    case 'kubernetes': {
      // credentials reach the pods through Secret references, never as plain values
      const executorEnv: Record<string, string> = { LOG_LEVEL: env.LOG_LEVEL };
      for (const name of EXECUTOR_S3_VARIABLES) {
        const value = env[name];
        if (value !== undefined && !SECRET_S3_VARIABLES.has(name)) executorEnv[name] = value;
      }
      const kubeConfig = loadKubeConfig({ kubeconfigPath: env.KUBECONFIG, inCluster: env.KUBERNETES_SERVICE_HOST !== undefined });
      return createKubernetesLauncher(kubeConfig, kubernetesLauncherConfigFrom(env, executorEnv), logger);
    }
  }
}
