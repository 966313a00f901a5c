import { connect } from 'node:net';
import { findFreePort } from './findFreePort.js';
import { restartable, type Restartable } from './restartable.js';
import { spawnServer, type ServerProcess } from './serverProcess.js';
import { locateRedisServer } from './systemPackages.js';
import { startOnPort, waitUntilReady } from './waitUntilReady.js';

export interface RedisServer extends Restartable {
  url: string;
  port: number;
}

export interface StartRedisOptions {
  dir: string;
  port?: number;
  /** Keep data across restarts in an append-only file under `dir` (local mode); tests want a blank server. */
  persist?: boolean;
}

/** True once the server answers PING with PONG (not while it is still loading its data). */
export function pingRedis(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ready: boolean): void => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

function redisArgs(options: StartRedisOptions, port: number): string[] {
  const persistence = options.persist
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--appendonly', 'no'];
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', options.dir,
    '--save', '',
    ...persistence,
    '--daemonize', 'no',
    '--loglevel', 'warning',
  ];
}

async function launchRedis(binary: string, options: StartRedisOptions, port: number): Promise<ServerProcess> {
  const server = spawnServer('redis-server', binary, redisArgs(options, port), { cwd: options.dir });
  await waitUntilReady(server, () => pingRedis(port));
  return server;
}

/** A private redis-server bound to 127.0.0.1, running as a child of this process. */
export async function startRedis(options: StartRedisOptions): Promise<RedisServer> {
  const binary = await locateRedisServer();
  const { server, port } = await startOnPort(options.port, findFreePort, async (port) => ({
    server: await launchRedis(binary, options, port),
    port,
  }));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    ...restartable(server, () => launchRedis(binary, options, port), 'SIGTERM'),
  };
}
