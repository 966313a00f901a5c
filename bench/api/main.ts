import http from 'node:http';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { newId } from '@flow-like/core';
import { createDatabase, submitExecutions } from '@flow-like/db';
import { createExecutionQueue, enqueueExecutions } from '@flow-like/api/executionQueue';
import { startBenchSystem, type BenchSystem } from './benchSystem.js';
import { closedLoop, openLoop, type LoadResult } from './loadGenerators.js';
import { summarizeLatencies } from './latencySummary.js';
import { renderTable } from './table.js';

const TARGET_SHARE = 0.6;
const INPUT = { name: 'bench' };
const WORKFLOW = {
  name: 'bench-greeting',
  inputSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  steps: [{ id: 'greet', type: 'transform', params: { expression: '"Hello, " & input.name' } }],
  output: '{ "message": steps.greet.output }',
};

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
  },
});
const durationMs = Number(args.seconds) * 1000;
const concurrency = Number(args.concurrency);
const rounds = Number(args.rounds);
if (!(durationMs > 0) || !(concurrency > 0) || !(Number.isInteger(rounds) && rounds > 0)) {
  throw new Error('--seconds and --concurrency must be positive numbers, --rounds a positive whole number');
}
const warmupMs = Math.min(2_000, durationMs / 4);

async function post(url: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A project, its key and a registered workflow, made through the api like a user would. */
async function createFixture(system: BenchSystem): Promise<{ projectId: string; key: string; workflowId: string }> {
  const project = await post(`${system.apiUrl}/v1/projects`, system.adminToken, { name: 'bench' });
  if (project.status !== 201) throw new Error(`creating the project failed: ${project.status} ${JSON.stringify(project.body)}`);
  const key: string = project.body.apiKey.key;
  const workflow = await post(`${system.apiUrl}/v1/workflows`, key, WORKFLOW);
  if (workflow.status !== 201) throw new Error(`registering the workflow failed: ${workflow.status} ${JSON.stringify(workflow.body)}`);
  return { projectId: project.body.id, key, workflowId: workflow.body.id };
}

/**
 * One POST over a keep-alive node:http agent. The load generator shares the
 * machine's cores with the api, so it uses the cheapest client Node has:
 * fetch costs this side about twice the CPU per request.
 */
function httpSubmission(system: BenchSystem, fixture: { key: string; workflowId: string }): () => Promise<void> {
  const url = new URL(`${system.apiUrl}/v1/workflows/${fixture.workflowId}/executions`);
  const body = JSON.stringify({ input: INPUT });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const options: http.RequestOptions = {
    method: 'POST',
    agent,
    headers: { authorization: `Bearer ${fixture.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  };
  return () =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(url, options, (response) => {
        response.resume();
        response.once('end', () => (response.statusCode === 202 ? resolve() : reject(new Error(`expected 202, got ${response.statusCode}`))));
        response.once('error', reject);
      });
      request.once('error', reject);
      request.end(body);
    });
}

type Row = [string, number, number, number, number, number];

function rate(result: LoadResult): number {
  return (result.completed / result.elapsedMs) * 1000;
}

function row(label: string, result: LoadResult): Row {
  const { p50, p99 } = summarizeLatencies(result.latenciesMs);
  return [label, rate(result), result.completed, result.failed, p50, p99];
}

function reportFailures(label: string, result: LoadResult): void {
  if (result.failed > 0) console.error(`${label}: ${result.failed} failed, e.g. ${result.failures.join(' | ')}`);
}

const system = await startBenchSystem();
const database = createDatabase(system.databaseUrl, { applicationName: 'flow-like-bench' });
const redis = new Redis(system.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
try {
  await redis.connect();
  const queue = createExecutionQueue(redis, system.queuePrefix);
  const fixture = await createFixture(system);

  // what the submit route stores once the request is validated: the same wake-up and guarded insert, minus HTTP, auth and checks
  const direct = async (): Promise<void> => {
    const values = { id: newId(), projectId: fixture.projectId, workflowId: fixture.workflowId, workflowVersion: 1, input: INPUT, priority: 0, runAt: null, timeoutSeconds: 3_600 };
    await submitExecutions(database.db, [values], { enqueue: (queued) => enqueueExecutions(queue, queued) }, { latest: true });
  };
  const viaHttp = httpSubmission(system, fixture);

  // every phase starts from an empty queue, so none pays for the rows an earlier one left
  const emptyQueue = async (): Promise<void> => {
    await queue.obliterate({ force: true });
    await database.pool.query('TRUNCATE executions CASCADE');
  };

  console.log(`measuring: ${rounds} rounds of ${durationMs / 1000} s per side, ${concurrency} in flight for the maximum rate`);
  await closedLoop(direct, { concurrency, durationMs: warmupMs });
  await closedLoop(viaHttp, { concurrency, durationMs: warmupMs });
  // the two sides alternate, so a change in what else runs on the machine reaches both alike
  const measured: Array<{ baseline: LoadResult; api: LoadResult; share: number }> = [];
  for (let round = 0; round < rounds; round++) {
    await emptyQueue();
    const baseline = await closedLoop(direct, { concurrency, durationMs });
    await emptyQueue();
    const api = await closedLoop(viaHttp, { concurrency, durationMs });
    measured.push({ baseline, api, share: rate(api) / rate(baseline) });
  }
  const median = [...measured].sort((a, b) => a.share - b.share)[Math.floor(measured.length / 2)]!;
  const maxRate = rate(median.api);
  await emptyQueue();
  const atHalf = await openLoop(viaHttp, { ratePerSecond: maxRate * 0.5, durationMs });
  await emptyQueue();
  const atEightyPercent = await openLoop(viaHttp, { ratePerSecond: maxRate * 0.8, durationMs });
  await queue.close();

  const rows: Row[] = measured.flatMap(({ baseline, api }, round) => [
    row(`${round + 1}: INSERT + enqueue in a loop, no HTTP (${concurrency} in flight)`, baseline),
    row(`${round + 1}: POST /v1/workflows/:id/executions (${concurrency} in flight)`, api),
  ]);
  rows.push(
    row(`POST at 50% of the API maximum (${(maxRate * 0.5).toFixed(0)}/s offered)`, atHalf),
    row(`POST at 80% of the API maximum (${(maxRate * 0.8).toFixed(0)}/s offered)`, atEightyPercent),
  );
  console.log(renderTable(['phase', 'accepted/s', 'accepted', 'failed', 'p50 ms', 'p99 ms'], rows));
  measured.forEach(({ baseline, api }, round) => {
    reportFailures(`round ${round + 1} baseline`, baseline);
    reportFailures(`round ${round + 1} api`, api);
  });
  for (const [label, result] of [['50%', atHalf], ['80%', atEightyPercent]] as const) reportFailures(label, result);

  const shares = measured.map((m) => `${(m.share * 100).toFixed(0)}%`).join(', ');
  const share = median.share;
  console.log(
    `\nAPI reaches ${(share * 100).toFixed(0)}% of the loop without HTTP (median of rounds: ${shares}; target at least ${TARGET_SHARE * 100}%): ${share >= TARGET_SHARE ? 'met' : 'NOT met'}`,
  );
} finally {
  redis.disconnect();
  await database.close();
  await system.close();
}
