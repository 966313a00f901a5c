import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { EXECUTION_QUEUE, executionJobOptions, newId } from '@flow-like/core';
import { createDatabase, createProject, registerWorkflowVersion, runMigrations, submitExecutions, type Database } from '@flow-like/db';
import { readDispatcherEnv, startDispatcherService } from '@flow-like/dispatcher';
import { findFreePort, startPostgres, startRedis } from '@flow-like/embedded';
import { createNoopLauncher } from './noopLauncher.js';
import { percentile, renderTable } from './report.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '300' },
    burst: { type: 'string', default: '5000' },
    queued: { type: 'string', default: '100000' },
  },
});
const samples = Number(args.samples);
const burst = Number(args.burst);
const queuedCount = Number(args.queued);
if (![samples, burst, queuedCount].every((n) => Number.isInteger(n) && n > 0)) throw new Error('--samples, --burst and --queued must be positive integers');

const root = await mkdtemp(join(tmpdir(), 'flow-like-bench-dispatcher-'));
await chmod(root, 0o711);
await Promise.all(['redis', 'postgres'].map((name) => mkdir(join(root, name))));
const [redisServer, postgresServer] = await Promise.all([startRedis({ dir: join(root, 'redis') }), startPostgres({ dir: join(root, 'postgres') })]);
await postgresServer.createDatabase('flow_like');
const databaseUrl = postgresServer.url('flow_like');
await runMigrations(databaseUrl);
// the no-op executors of a whole burst share this pool: they wait for a connection rather than fail
const database = createDatabase(databaseUrl, { maxConnections: 20, connectionTimeoutMillis: 120_000, applicationName: 'flow-like-bench' });
const producer = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
const queue = new Queue(EXECUTION_QUEUE, { connection: producer, prefix: 'bench' });
const baseEnv = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisServer.url,
  QUEUE_PREFIX: 'bench',
  S3_ACCESS_KEY_ID: 'unused',
  S3_SECRET_ACCESS_KEY: 'unused',
  S3_METADATA_BUCKET: 'unused-metadata',
  S3_CONTENT_BUCKET: 'unused-content',
  LOG_LEVEL: 'warn',
};

async function fixture(db: Database) {
  const project = await createProject(db, { name: 'bench', concurrencyLimit: 1_000_000 });
  const { workflow } = await registerWorkflowVersion(db, { projectId: project.id, name: 'noop', document: {}, checksum: 'bench', documentKey: () => 'bench' }, async () => {});
  return { projectId: project.id, workflowId: workflow.id };
}

/** Enqueue and insert queued executions, as the api does. */
async function submit(db: Database, target: { projectId: string; workflowId: string }, count: number): Promise<string[]> {
  const rows = await submitExecutions(
    db,
    Array.from({ length: count }, () => ({ id: newId(), ...target, workflowVersion: 1, input: {}, timeoutSeconds: 600 })),
    {
      enqueue: async (queued) => {
        const now = new Date();
        await queue.addBulk(queued.map((e) => ({ name: 'execute', data: { executionId: e.id, projectId: e.projectId }, opts: executionJobOptions(e, now) })));
      },
    },
  );
  return rows.map((r) => r.id);
}

/** Raw BullMQ: add one job, wait for a worker to process it, repeat. */
async function rawBullmqLatencies(count: number): Promise<number[]> {
  const connection = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const raw = new Queue('raw', { connection: producer, prefix: 'raw' });
  const waiting = new Map<string, () => void>();
  const worker = new Worker('raw', async (job) => waiting.get(job.id!)?.(), { connection, prefix: 'raw', concurrency: 50 });
  await worker.waitUntilReady();
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const processed = new Promise<void>((resolve) => waiting.set(`job-${i}`, resolve));
    const started = performance.now();
    await raw.add('raw', { i }, { jobId: `job-${i}`, removeOnComplete: true });
    await processed;
    latencies.push(performance.now() - started);
  }
  await worker.close();
  await raw.close();
  connection.disconnect();
  return latencies;
}

async function dispatcherMeasurements(target: { projectId: string; workflowId: string }) {
  const launched = new Map<string, () => void>();
  let launches = 0;
  let lastLaunchAt = 0;
  let ends = 0;
  let failures = 0;
  let lastEndAt = 0;
  const launcher = createNoopLauncher(
    database.db,
    (id) => {
      launches += 1;
      lastLaunchAt = performance.now();
      launched.get(id)?.();
    },
    (ok) => {
      ends += 1;
      if (!ok) failures += 1;
      lastEndAt = performance.now();
    },
  );
  // slots for the whole burst: launches are then paced by the dispatcher, not by how fast executions end
  const env = readDispatcherEnv({ ...baseEnv, METRICS_PORT: '0', GLOBAL_CONCURRENCY: String(burst * 2), PROJECT_CONCURRENCY_DEFAULT: String(burst * 2), ADMISSION_BATCH: '250' });
  const service = await startDispatcherService(env, pino({ level: 'warn' }), { launcher });
  try {
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      const id = newId();
      const seen = new Promise<void>((resolve) => launched.set(id, resolve));
      await submitExecutions(database.db, [{ id, ...target, workflowVersion: 1, input: {}, timeoutSeconds: 600 }], {
        enqueue: async ([queued]) => {
          await queue.add('execute', { executionId: queued!.id, projectId: queued!.projectId }, executionJobOptions(queued!, new Date()));
        },
      });
      await seen;
      latencies.push(performance.now() - started);
    }
    launched.clear();
    const [launchedBefore, endedBefore] = [launches, ends];
    await submit(database.db, target, burst);
    const burstStarted = performance.now();
    while (launches - launchedBefore < burst || ends - endedBefore < burst) await delay(5);
    if (failures > 0) console.error(`${failures} no-op executions failed to record their ending`);
    return {
      latencies,
      launchesPerSecond: (burst / (lastLaunchAt - burstStarted)) * 1_000,
      endsPerSecond: (burst / (lastEndAt - burstStarted)) * 1_000,
    };
  } finally {
    await service.close();
  }
}

async function rssMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** Highest RSS of a process over a while, sampled every 100 ms. */
async function peakRss(pid: number, ms: number): Promise<number> {
  let peak = 0;
  for (const end = Date.now() + ms; Date.now() < end; await delay(100)) peak = Math.max(peak, await rssMegabytes(pid));
  return peak;
}

/** The built dispatcher as its own process, its few slots held by executors that never finish, so a backlog stays queued. */
async function dispatcherRss(target: { projectId: string; workflowId: string }) {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['dispatcher/dist/main.js'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...baseEnv,
      PATH: process.env.PATH,
      LAUNCHER: 'process',
      METRICS_PORT: String(port),
      GLOBAL_CONCURRENCY: '10',
      PROCESS_EXECUTOR_COMMAND: JSON.stringify(['sleep', '600']),
      RECONCILE_INTERVAL_MS: '2000',
      SHUTDOWN_GRACE_SECONDS: '0',
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) await delay(50);
    const idle = await peakRss(child.pid!, 5_000);
    for (let done = 0; done < queuedCount; done += 5_000) await submit(database.db, target, Math.min(5_000, queuedCount - done));
    // long enough for admission rounds, every wake-up job and a reconcile pass over the whole backlog
    const loaded = await peakRss(child.pid!, 8_000);
    return { idle, loaded };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

try {
  const target = await fixture(database.db);
  const raw = await rawBullmqLatencies(samples);
  const measured = await dispatcherMeasurements(target);
  const rss = await dispatcherRss(target);
  console.log(
    renderTable(
      ['measure', 'value', 'unit', 'compare with'],
      [
        [`launches per second (burst of ${burst} instant executions)`, measured.launchesPerSecond, '/s', 'target >= 500'],
        ['executions ended per second (same burst, with the executor writes)', measured.endsPerSecond, '/s', ''],
        ['enqueue -> launch p50', percentile(measured.latencies, 50), 'ms', `raw BullMQ add -> process p50 ${percentile(raw, 50).toFixed(1)} ms`],
        ['enqueue -> launch p99', percentile(measured.latencies, 99), 'ms', `raw BullMQ add -> process p99 ${percentile(raw, 99).toFixed(1)} ms`],
        ['dispatcher RSS, nothing queued', rss.idle, 'MB', ''],
        [`dispatcher RSS, ${queuedCount} queued`, rss.loaded, 'MB', `${(rss.loaded - rss.idle).toFixed(1)} MB more than idle`],
      ],
    ),
  );
} finally {
  await queue.close();
  producer.disconnect();
  await database.close();
  await Promise.allSettled([redisServer.stop(), postgresServer.stop()]);
  await rm(root, { recursive: true, force: true });
}
