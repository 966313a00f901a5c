import { setTimeout as delay } from 'node:timers/promises';
import type { ServerProcess } from './serverProcess.js';

export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output.trim() ? `${message}\n--- server output ---\n${output.trim()}` : message);
    this.name = 'ServerStartError';
  }
}

const POLL_INTERVAL_MS = 20;

/**
 * Poll `probe` until it answers true. Fails early when the server exits
 * (a taken port, a bad data dir) instead of waiting out the deadline.
 */
export async function waitUntilReady(
  server: ServerProcess,
  probe: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    if (!server.isRunning()) {
      const exit = await server.exited;
      throw new ServerStartError(
        `${server.name} exited (code ${exit.code}, signal ${exit.signal}) before it was ready`,
        server.output(),
      );
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      await server.signalAndWait('SIGKILL');
      throw new ServerStartError(
        `${server.name} was not ready within ${timeoutMs} ms${lastError ? ` (last probe error: ${lastError})` : ''}`,
        server.output(),
      );
    }
    await delay(POLL_INTERVAL_MS);
  }
}

const PORT_TAKEN = /address already in use/i;

/**
 * Start on the requested port, or on a free one. A free port can be taken by
 * someone else between choosing and binding it, so an automatic choice is
 * retried on a fresh port when that happens.
 */
export async function startOnPort<T>(
  requested: number | undefined,
  choosePort: () => Promise<number>,
  start: (port: number) => Promise<T>,
): Promise<T> {
  if (requested !== undefined) return start(requested);
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await choosePort());
    } catch (error) {
      if (attempt >= 5 || !(error instanceof ServerStartError) || !PORT_TAKEN.test(error.output)) throw error;
    }
  }
}
