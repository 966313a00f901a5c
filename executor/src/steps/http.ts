import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import { httpParams } from '@flow-like/core';
import { abortError, childController, sleep } from '../runtime/abort.js';
import { StepError } from '../runtime/failure.js';
import type { StepModule, StepRun } from './stepModule.js';

export const params = httpParams;
type HttpParams = z.output<typeof params>;

export interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  /** parsed JSON for a JSON answer, text otherwise; `{ artifact, bytes }` with `saveAs` */
  body: unknown;
}

/**
 * One HTTP request. 5xx answers and network errors are tried again
 * (`retries`, with doubling backoff); the body is read up to
 * `maxResponseBytes` and a larger one fails the step rather than filling
 * memory. With `saveAs` the body streams into an artifact instead.
 */
export const httpStep: StepModule<HttpParams> = {
  params,
  async run(run) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await requestOnce(run, attempt >= run.params.retries);
      } catch (caught) {
        if (run.signal.aborted) throw abortError(run.signal);
        const error = caught instanceof StepError ? caught : new StepError('network', String(caught));
        if (!error.retryable || attempt >= run.params.retries) throw error;
        run.log('warn', `request failed, trying again: ${error.message}`);
        await sleep(run.params.retryBackoffMs * 2 ** attempt, run.signal);
      }
    }
  },
};

function requestBody(p: HttpParams): { body?: string; contentType?: string } {
  if (p.body === undefined || p.method === 'GET' || p.method === 'HEAD') return {};
  if (typeof p.body === 'string') return { body: p.body, contentType: 'text/plain; charset=utf-8' };
  return { body: JSON.stringify(p.body), contentType: 'application/json' };
}

async function requestOnce(run: StepRun<HttpParams>, lastTry: boolean): Promise<HttpOutput> {
  const p = run.params;
  const { controller, release } = childController(run.signal);
  const timer = setTimeout(() => controller.abort(new StepError('timeout', `no complete answer from ${p.url} within ${p.timeoutMs} ms`)), p.timeoutMs);
  try {
    const { body, contentType } = requestBody(p);
    const headers = new Headers(p.headers);
    if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
    let response: Response;
    try {
      response = await (run.context.fetch ?? fetch)(p.url, { method: p.method, headers, body: body ?? null, signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      if (controller.signal.aborted) throw abortError(controller.signal);
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new StepError('network', `${p.method} ${p.url} failed: ${cause ?? (error as Error).message}`);
    }
    const answer = { status: response.status, headers: Object.fromEntries(response.headers) };
    if (response.status >= 500 && !lastTry) {
      await response.body?.cancel().catch(() => {});
      throw new StepError('http_status', `${p.method} ${p.url} answered ${response.status}`);
    }
    if (p.saveAs && response.ok && response.body) {
      const stream = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>).pipe(sizeCap(p.maxResponseBytes));
      if (!run.context.artifacts) throw new StepError('unavailable', 'no artifact store is configured for this run', false);
      const stored = await run.context.artifacts.put(p.saveAs, stream, answer.headers['content-type'] ?? 'application/octet-stream', controller.signal);
      return { ...answer, body: { artifact: p.saveAs, bytes: stored.bytes ?? null } };
    }
    const text = await readCapped(response, p.maxResponseBytes, controller.signal);
    if (response.status >= 400 && p.failOnStatus) {
      // a 5xx may pass; a 4xx says the request itself is wrong
      throw new StepError('http_status', `${p.method} ${p.url} answered ${response.status}: ${text.slice(0, 300)}`, response.status >= 500);
    }
    return { ...answer, body: parseBody(text, answer.headers['content-type']) };
  } finally {
    clearTimeout(timer);
    release();
  }
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  if (contentType && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

async function readCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  if (!response.body) return '';
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel().catch(() => {});
    throw tooLarge(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    if (signal.aborted) {
      await reader.cancel().catch(() => {});
      throw abortError(signal);
    }
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(maxBytes: number): StepError {
  return new StepError('response_too_large', `the response is larger than ${maxBytes} bytes (maxResponseBytes)`, false);
}

function sizeCap(maxBytes: number): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      callback(total > maxBytes ? tooLarge(maxBytes) : null, total > maxBytes ? undefined : chunk);
    },
  });
}
