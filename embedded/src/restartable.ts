import { stopGracefully, type ServerProcess } from './serverProcess.js';

/** The lifecycle every embedded server offers, so tests can take services down and bring them back. */
export interface Restartable {
  /** Graceful shutdown; waits until the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; waits until the process has exited. */
  kill(): Promise<void>;
  /** Start again on the same port and data dir, stopping first if still running. */
  restart(): Promise<void>;
}

/**
 * Operations run one after another, so a restart racing a stop cannot leave
 * two servers on one data dir.
 */
export function restartable(first: ServerProcess, launch: () => Promise<ServerProcess>, stopSignal: NodeJS.Signals): Restartable {
  let current = first;
  let queue: Promise<unknown> = Promise.resolve();
  const serially = (operation: () => Promise<void>): Promise<void> => {
    const next = queue.then(operation, operation);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    stop: () => serially(() => stopGracefully(current, stopSignal)),
    kill: () =>
      serially(async () => {
        await current.signalAndWait('SIGKILL');
      }),
    restart: () =>
      serially(async () => {
        await stopGracefully(current, stopSignal);
        current = await launch();
      }),
  };
}
