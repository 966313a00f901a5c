import { createRequire } from 'node:module';
import { restartable, type Restartable } from './restartable.js';
import { spawnServer, type ServerProcess } from './serverProcess.js';
import { createBucket } from './s3Admin.js';
import { ServerStartError } from './waitUntilReady.js';

export interface S3Server extends Restartable {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  createBucket(name: string): Promise<void>;
}

export interface StartS3Options {
  /** Buckets and objects live as files under this dir, so they survive restarts. */
  dir: string;
  port?: number;
}

const LISTENING = /S3rver listening on [^:\s]+:(\d+)/;
const START_TIMEOUT_MS = 30_000;

/** s3rver's own command line, run by this Node binary; resolved from this package so it works from src and dist alike. */
function s3rverCli(): string {
  return createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
}

/**
 * The server prints its bound port once it listens; asking for port 0 lets
 * the kernel choose, so there is no window in which another process can take
 * a port chosen in advance.
 */
async function launchS3(dir: string, port: number): Promise<{ server: ServerProcess; port: number }> {
  let output = '';
  let onListening: (port: number) => void = () => undefined;
  const listening = new Promise<number>((resolve) => (onListening = resolve));
  const server = spawnServer(
    's3rver',
    process.execPath,
    [s3rverCli(), '--directory', dir, '--address', '127.0.0.1', '--port', String(port), '--silent', '--no-vhost-buckets'],
    {
      cwd: dir,
      onOutput: (chunk) => {
        if (LISTENING.test(output)) return;
        output += chunk;
        const match = LISTENING.exec(output);
        if (match?.[1]) onListening(Number(match[1]));
      },
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void server.signalAndWait('SIGKILL');
      reject(new ServerStartError(`s3rver was not listening within ${START_TIMEOUT_MS} ms`, server.output()));
    }, START_TIMEOUT_MS);
    void server.exited.then((exit) =>
      reject(new ServerStartError(`s3rver exited (code ${exit.code}, signal ${exit.signal}) before it was ready`, server.output())),
    );
  });
  try {
    return { server, port: await Promise.race([listening, failed]) };
  } finally {
    clearTimeout(timer);
    failed.catch(() => undefined);
  }
}

/** A private S3-compatible server (s3rver) on 127.0.0.1, running as a child process so tests can kill it. */
export async function startS3(options: StartS3Options): Promise<S3Server> {
  const first = await launchS3(options.dir, options.port ?? 0);
  const port = first.port;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    createBucket: (name) => createBucket(endpoint, name),
    ...restartable(first.server, async () => (await launchS3(options.dir, port)).server, 'SIGTERM'),
  };
}
