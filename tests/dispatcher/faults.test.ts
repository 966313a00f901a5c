import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateServices, type PrivateServices } from '@flow-like/testing/testEnv';
import { waitFor } from '@flow-like/testing/waitFor';
import { createProjectKey, REPO_ROOT, startSystem, type RunningSystem } from '../support/system.js';
import {
  countUnfinished,
  createLaunchLog,
  fastDispatcherEnv,
  invariantViolations,
  registerWorkflow,
  sampleActiveCounts,
  spawnDispatcher,
  submit,
  type DispatcherChild,
} from './support/fleet.js';

const GLOBAL = 10;
const PROJECT_DEFAULT = 4;
const PER_PROJECT = 80;

describe('dispatcher replicas killed at random, Redis and Postgres restarted', () => {
  let services: PrivateServices;
  let system: RunningSystem;
  let pool: pg.Pool;
  const replicas: DispatcherChild[] = [];
  let dispatcherEnv: Record<string, string>;

  const startReplica = async () => {
    const replica = await spawnDispatcher(dispatcherEnv, REPO_ROOT);
    replicas.push(replica);
    return replica;
  };

  beforeAll(async () => {
    services = await createPrivateServices();
    pool = new pg.Pool({ connectionString: services.env.databaseUrl, max: 3 });
    pool.on('error', () => {});
    await createLaunchLog(pool);
    system = await startSystem(services.env, { dispatchers: 0 });
    dispatcherEnv = {
      ...services.env.env,
      ...fastDispatcherEnv({ GLOBAL_CONCURRENCY: String(GLOBAL), PROJECT_CONCURRENCY_DEFAULT: String(PROJECT_DEFAULT), STALE_AFTER_SECONDS: '8', QUEUE_WAIT_SECONDS: '3600' }),
    };
  });

  afterAll(async () => {
    for (const replica of replicas) replica.process.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await system?.close();
    await pool?.end();
    await services?.stopAll();
  });

  it('still ends every execution exactly once, launches no attempt twice and never exceeds a limit', async () => {
    const projects = await Promise.all(['one', 'two', 'three'].map((name) => createProjectKey(system, name)));
    const workflows = await Promise.all(projects.map((p) => registerWorkflow(system, p.key)));
    const first = await Promise.all([startReplica(), startReplica(), startReplica()]);
    await waitFor(async () => (await Promise.all(first.map((r) => r.ready()))).every(Boolean), { timeoutMs: 90_000, message: 'three replicas to be ready' });
    const sampler = sampleActiveCounts(pool);
    for (const [i, p] of projects.entries()) {
      await submit(system, p.key, workflows[i]!, Array.from({ length: PER_PROJECT }, (_, n) => ({ input: { ms: 10 + ((n * 53) % 90) } })));
    }
    const total = PER_PROJECT * projects.length;

    const ended = async () => total - (await countUnfinished(pool));
    // every fault fires once a further share of the executions has ended, at a moment nobody chose
    const faults: Array<[string, () => Promise<void>]> = [
      ['kill a replica', async () => killRandomReplica()],
      ['kill a replica', async () => killRandomReplica()],
      ['restart Redis', () => services.redis.restart()],
      ['kill a replica', async () => killRandomReplica()],
      ['restart Postgres', () => services.postgres.restart()],
      ['kill a replica', async () => killRandomReplica()],
    ];
    const killRandomReplica = async () => {
      const alive = replicas.filter((r) => r.process.exitCode === null && r.process.signalCode === null);
      alive[Math.floor(Math.random() * alive.length)]!.process.kill('SIGKILL');
      await startReplica();
    };
    for (const [n, [name, fault]] of faults.entries()) {
      const threshold = Math.floor((total * (n + 1)) / (faults.length + 2)) + Math.floor(Math.random() * 10);
      await waitFor(async () => (await ended()) >= threshold, { timeoutMs: 120_000, message: `${threshold} executions to end before "${name}"` });
      await fault();
    }

    await waitFor(async () => (await countUnfinished(pool)) === 0, { timeoutMs: 120_000, message: 'every execution to end' });
    const sampled = await sampler.stop();
    expect(await invariantViolations(pool)).toEqual([]);
    expect(sampled.maxGlobal).toBeLessThanOrEqual(GLOBAL);
    for (const [projectId, max] of sampled.maxPerProject) expect(max, `project ${projectId}`).toBeLessThanOrEqual(PROJECT_DEFAULT);
    expect(sampled.maxGlobal).toBe(GLOBAL);
  }, 600_000);
});
