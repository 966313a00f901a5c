import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { runMigrations } from '@flow-like/db';
import { createBucket, createDatabase, findFreePort, startPostgres, startRedis, startS3 } from '@flow-like/embedded';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const READY_TIMEOUT_MS = 30_000;

export interface BenchSystem {
  apiUrl: string;
  adminToken: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  close(): Promise<void>;
}

async function waitForReady(url: string, api: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error(`the api exited with code ${api.exitCode}:\n${output()}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return;
    await delay(50);
  }
  throw new Error(`the api was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

/**
 * Private Redis, PostgreSQL and S3 servers and the built api as a child
 * process with its own event loop, as it runs in a cluster. Limits that
 * would cut a benchmark short (rate limit, queue depth) are raised.
 */
export async function startBenchSystem(): Promise<BenchSystem> {
  const root = await mkdtemp(join(tmpdir(), 'flow-like-bench-'));
  // the postgres user runs the cluster when we are root and must reach its dir
  await chmod(root, 0o711);
  await Promise.all(['redis', 'postgres', 's3'].map((name) => mkdir(join(root, name))));
  const [redis, postgres, s3] = await Promise.all([
    startRedis({ dir: join(root, 'redis') }),
    startPostgres({ dir: join(root, 'postgres') }),
    startS3({ dir: join(root, 's3') }),
  ]);
  await createDatabase(postgres.url(), 'flow_like');
  const databaseUrl = postgres.url('flow_like');
  await runMigrations(databaseUrl);
  await Promise.all([createBucket(s3.endpoint, 'bench-metadata'), createBucket(s3.endpoint, 'bench-content')]);

  const port = await findFreePort();
  const queuePrefix = 'bench';
  let output = '';
  // node flags for the api, e.g. --cpu-prof to see where it spends its time
  const nodeArgs = process.env.BENCH_API_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  // setpriv makes the kernel kill the api if this process dies first
  const api = spawn('setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, ...nodeArgs, 'api/dist/main.js'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_METADATA_BUCKET: 'bench-metadata',
      S3_CONTENT_BUCKET: 'bench-content',
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      MAX_QUEUE_DEPTH: '100000000',
      MAX_PROJECT_QUEUE_DEPTH: '100000000',
    },
  });
  api.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  });
  const apiExited = new Promise<void>((resolve) => api.once('exit', () => resolve()));
  const apiUrl = `http://127.0.0.1:${port}`;

  const close = async (): Promise<void> => {
    if (api.exitCode === null) api.kill('SIGTERM');
    await apiExited;
    await Promise.allSettled([redis.stop(), postgres.stop(), s3.stop()]);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await waitForReady(apiUrl, api, () => output);
  } catch (error) {
    await close();
    throw error;
  }
  return { apiUrl, adminToken: ADMIN_TOKEN, databaseUrl, redisUrl: redis.url, queuePrefix, close };
}
