import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findFreePort } from './findFreePort.js';
import { pathExists } from './pathExists.js';
import { createDatabase, dropDatabase, pingPostgres } from './postgresAdmin.js';
import { restartable, type Restartable } from './restartable.js';
import { spawnServer, type ServerProcess } from './serverProcess.js';
import { locatePostgresBinDir } from './systemPackages.js';
import { ServerStartError, startOnPort, waitUntilReady } from './waitUntilReady.js';

const run = promisify(execFile);

export interface PostgresServer extends Restartable {
  port: number;
  /** Connection URL as the `postgres` superuser (trust auth); database defaults to `postgres`. */
  url(database?: string): string;
  createDatabase(name: string, options?: { template?: string }): Promise<void>;
  dropDatabase(name: string): Promise<void>;
}

export interface StartPostgresOptions {
  /** Holds the cluster in `dir/data` (kept across starts) and the unix socket. */
  dir: string;
  port?: number;
}

/** PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user. */
function serverUser(): string | undefined {
  return process.getuid?.() === 0 ? 'postgres' : undefined;
}

async function initCluster(binDir: string, dir: string, user: string | undefined): Promise<void> {
  if (user) await run('chown', [`${user}:${user}`, dir]);
  if (await pathExists(`${dir}/data`)) return;
  const initdb = spawnServer(
    'initdb',
    `${binDir}/initdb`,
    ['-D', `${dir}/data`, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C'],
    { cwd: dir, ...(user ? { user } : {}) },
  );
  const exit = await initdb.exited;
  if (exit.code === 0) return;
  const hint = user
    ? `; as root the cluster runs as the ${user} user, which needs search (x) permission on every parent of ${dir}`
    : '';
  throw new ServerStartError(`initdb failed (code ${exit.code}, signal ${exit.signal})${hint}`, initdb.output());
}

/**
 * Without fsync, committed data survives the server being killed (the kernel
 * still holds the writes) but not a machine crash: the right trade for
 * disposable test clusters and a single-user local install.
 */
function postgresArgs(dir: string, port: number): string[] {
  const settings = {
    listen_addresses: '127.0.0.1',
    max_connections: '300',
    fsync: 'off',
    full_page_writes: 'off',
    unix_socket_directories: dir,
  };
  return ['-D', `${dir}/data`, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

/**
 * After a SIGKILL the old backends may still hold the shared memory for a
 * moment; Postgres then refuses to start, so a restart retries briefly.
 */
const LEFTOVER_BACKENDS = /pre-existing shared memory block|lock file .* already exists/i;

async function launchPostgres(binDir: string, dir: string, port: number, url: string, user: string | undefined): Promise<ServerProcess> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const server = spawnServer('postgres', `${binDir}/postgres`, postgresArgs(dir, port), { cwd: dir, ...(user ? { user } : {}) });
    try {
      await waitUntilReady(server, () => pingPostgres(url));
      return server;
    } catch (error) {
      if (!(error instanceof ServerStartError) || !LEFTOVER_BACKENDS.test(error.output) || Date.now() > deadline) throw error;
      await delay(50);
    }
  }
}

/** URL of a database on a private cluster, as the `postgres` superuser (trust auth). */
export function postgresUrl(port: number, database = 'postgres'): string {
  return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** A private PostgreSQL cluster bound to 127.0.0.1, running as a child of this process. */
export async function startPostgres(options: StartPostgresOptions): Promise<PostgresServer> {
  const binDir = await locatePostgresBinDir();
  const user = serverUser();
  await initCluster(binDir, options.dir, user);
  const { server, port } = await startOnPort(options.port, findFreePort, async (port) => ({
    server: await launchPostgres(binDir, options.dir, port, postgresUrl(port), user),
    port,
  }));
  const url = (database?: string): string => postgresUrl(port, database);
  return {
    port,
    url,
    createDatabase: (name, createOptions) => createDatabase(url(), name, createOptions),
    dropDatabase: (name) => dropDatabase(url(), name),
    // SIGINT is Postgres' "fast" shutdown; SIGTERM would wait for every client to disconnect.
    ...restartable(server, () => launchPostgres(binDir, options.dir, port, url(), user), 'SIGINT'),
  };
}
