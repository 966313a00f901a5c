import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@flow-like/testing/waitFor';
import { REPO_ROOT } from '../support/system.js';

interface LocalRun {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Every local command started, so none outlives the file even when a start times out. */
const started: ChildProcess[] = [];

/** `npm start` without the install steps: the built local command, with its data in `dataDir`. */
async function startLocal(dataDir: string): Promise<LocalRun> {
  const env: Record<string, string | undefined> = { ...process.env, FLOW_LIKE_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT']) delete env[name];
  const child = spawn(process.execPath, ['local/dist/main.js'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`local mode exited with ${child.exitCode}:\n${output}`);
      return /Flow-Like is running at (http:\/\/\S+)/.exec(output)?.[1];
    },
    { timeoutMs: 90_000, message: 'local mode did not print its URL' },
  );
  return { child, url, output: () => output };
}

async function stopLocal(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

async function call(run: LocalRun, key: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(run.url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

async function runToSuccess(run: LocalRun, key: string, workflowId: string, name: string): Promise<string> {
  const submitted = await call(run, key, `/v1/workflows/${workflowId}/executions`, { input: { name } });
  expect(submitted.status).toBe(202);
  await waitFor(
    async () => {
      const { body } = await call(run, key, `/v1/executions/${submitted.body.id}`);
      if (['failed', 'cancelled', 'timed_out'].includes(body.status)) throw new Error(`execution ended ${body.status}: ${JSON.stringify(body.error)}`);
      return body.status === 'succeeded';
    },
    { timeoutMs: 60_000, message: 'the execution did not succeed in local mode' },
  );
  return submitted.body.id;
}

describe('local mode (npm start)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'flow-like-local-'));
    // as root PostgreSQL runs as the postgres user, which must be able to enter the folder
    await chmod(dataDir, 0o755);
  });

  afterAll(async () => {
    await Promise.all(started.map(stopLocal));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the example workflow, stops cleanly on Ctrl-C and starts again over the data it kept', async () => {
    let run = await startLocal(dataDir);
    const key = (await readFile(join(dataDir, 'api-key'), 'utf8')).trim();
    const example = await readFile(join(REPO_ROOT, 'examples/hello-world.json'), 'utf8');
    const registered = await call(run, key, '/v1/workflows', example);
    expect(registered.status).toBe(201);
    const first = await runToSuccess(run, key, registered.body.id, 'local ✓');
    expect((await call(run, key, `/v1/executions/${first}/result`)).body).toEqual({ output: { message: 'Hello, local ✓!' } });

    expect(await stopLocal(run.child)).toBe(0);

    run = await startLocal(dataDir);
    expect((await readFile(join(dataDir, 'api-key'), 'utf8')).trim()).toBe(key);
    const kept = await call(run, key, `/v1/executions/${first}`);
    expect(kept.body.status).toBe('succeeded');
    expect((await call(run, key, `/v1/executions/${first}/result`)).body).toEqual({ output: { message: 'Hello, local ✓!' } });
    await runToSuccess(run, key, registered.body.id, 'again');
    expect(await stopLocal(run.child)).toBe(0);
  }, 300_000);
});
