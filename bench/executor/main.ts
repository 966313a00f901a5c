import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseWorkflowDocument } from '@flow-like/core';
import { startS3 } from '@flow-like/embedded';
import { runWorkflow } from '@flow-like/executor/runtime/runWorkflow';
import { createExecutionObjects } from '@flow-like/executor/sinks/executionObjects';
import { createS3Client } from '@flow-like/executor/sinks/s3Client';
import { renderTable } from '../api/table.js';

/**
 * Memory of the executor while a step moves a large body: an http download
 * streamed into an artifact (`saveAs`), at a small baseline size and at
 * larger ones, in this one process. Bounded memory means the peak growth
 * stays near the baseline's however large the body gets.
 */
const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '1,64,256' } } });
const sizesMiB = args.sizes.split(',').map(Number);
if (sizesMiB.some((n) => !(n > 0))) throw new Error('--sizes must be a comma-separated list of positive MiB counts');

const MiB = 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024, 'x');
const body = createServer((request, response) => {
  const bytes = Number(new URL(request.url ?? '/', 'http://localhost').searchParams.get('bytes'));
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      const piece = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      sent += piece.length;
      if (!response.write(piece)) return void response.once('drain', pump);
    }
    response.end();
  };
  pump();
});
body.listen(0, '127.0.0.1');
await new Promise((resolve) => body.once('listening', resolve));
const bodyUrl = `http://127.0.0.1:${(body.address() as AddressInfo).port}`;

const dir = await mkdtemp(join(tmpdir(), 'flow-like-bench-executor-'));
const s3Server = await startS3({ dir });
await s3Server.createBucket('bench-content');
const s3 = createS3Client({ ...s3Server, forcePathStyle: true, metadataBucket: 'unused', contentBucket: 'bench-content' });

async function measure(sizeMiB: number): Promise<{ seconds: number; peakRssMiB: number; peakHeapMiB: number }> {
  const document = parseWorkflowDocument({
    name: 'bench-download',
    steps: [{ id: 'download', type: 'http', params: { url: `${bodyUrl}/data?bytes=${sizeMiB * MiB}`, saveAs: 'data.bin', maxResponseBytes: 1024 * MiB, timeoutMs: 600_000 } }],
  });
  const objects = createExecutionObjects({ client: s3, bucket: 'bench-content', executionId: `bench-${sizeMiB}`, attempt: 1, retry: { forMs: 10_000, initialDelayMs: 100, maxDelayMs: 1_000 } });
  const silent = () => {};
  globalThis.gc?.();
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 10);
  const began = performance.now();
  await runWorkflow(document, {}, { executionId: `bench-${sizeMiB}`, attempt: 1, signal: new AbortController().signal, logger: { debug: silent, info: silent, warn: silent, error: silent }, ...objects });
  const seconds = (performance.now() - began) / 1000;
  clearInterval(sampler);
  return { seconds, peakRssMiB: (peakRss - start.rss) / MiB, peakHeapMiB: (peakHeap - start.heapUsed) / MiB };
}

try {
  const rows: Array<Array<string | number>> = [];
  let baseline: number | undefined;
  for (const size of sizesMiB) {
    const result = await measure(size);
    baseline ??= result.peakRssMiB;
    rows.push([`${size} MiB`, result.seconds, size / result.seconds, result.peakRssMiB, result.peakHeapMiB, result.peakRssMiB - baseline]);
  }
  console.log(renderTable(['download streamed to S3', 'seconds', 'MiB/s', 'peak RSS growth MiB', 'peak heap growth MiB', 'vs first size MiB'], rows));
} finally {
  s3.destroy();
  body.close();
  await s3Server.stop();
  await rm(dir, { recursive: true, force: true });
}
