import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { contentKeys } from '@flow-like/core';
import type { ArtifactStore, OutputStore } from '../runtime/context.js';
import { StepError } from '../runtime/failure.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import { getObjectCapped, ObjectTooLarge, putObject, uploadStream } from './s3Client.js';

export interface ExecutionObjectsOptions {
  client: S3Client;
  bucket: string;
  executionId: string;
  attempt: number;
  retry: RetryPolicy;
  /** offloaded outputs are read back whole; this bounds what one read may hold */
  maxOutputBytes?: number;
}

function isMissing(error: Error): boolean {
  return error.name === 'NoSuchKey' || error.name === 'NotFound';
}

function isPermanent(error: Error): boolean {
  return isMissing(error) || error instanceof ObjectTooLarge || error.name === 'AbortError';
}

/**
 * Artifacts (`…/artifacts/<key>`) and offloaded step outputs
 * (`…/outputs/<step>.json`) of one attempt, in the content bucket under the
 * attempt's prefix. Whole-body writes and reads are retried through an
 * outage; a stream cannot be replayed, so a streamed upload that fails fails
 * its step (whose own retries may run it again).
 */
export function createExecutionObjects(options: ExecutionObjectsOptions): { artifacts: ArtifactStore; outputs: OutputStore } {
  const { client, bucket, retry } = options;
  const prefix = contentKeys.prefix(options.executionId, options.attempt);
  const maxOutputBytes = options.maxOutputBytes ?? 64 * 1024 * 1024;

  const read = async (key: string, maxBytes: number, what: string, signal: AbortSignal) => {
    try {
      return await withRetry(() => getObjectCapped(client, bucket, key, maxBytes, signal), retry, isPermanent);
    } catch (error) {
      if (error instanceof ObjectTooLarge) throw new StepError('too_large', `${what} is larger than ${maxBytes} bytes`, false);
      if (isMissing(error as Error)) throw new StepError('not_found', `${what} does not exist`, false);
      throw error;
    }
  };

  const artifacts: ArtifactStore = {
    async put(key, body, contentType, signal) {
      const objectKey = `${prefix}artifacts/${key}`;
      if (body instanceof Readable) {
        const bytes = await uploadStream(client, bucket, objectKey, body, contentType, signal);
        return { key: objectKey, bytes };
      }
      await withRetry(() => putObject(client, bucket, objectKey, body, contentType, signal), retry, isPermanent);
      return { key: objectKey, bytes: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength };
    },
    get: (key, maxBytes, signal) => read(`${prefix}artifacts/${key}`, maxBytes, `artifact "${key}"`, signal),
  };

  const outputs: OutputStore = {
    async put(stepId, json, signal) {
      const key = `${prefix}outputs/${stepId}.json`;
      await withRetry(() => putObject(client, bucket, key, json, 'application/json', signal), retry, isPermanent);
      return key;
    },
    async get(key, signal) {
      const { body } = await read(key, maxOutputBytes, `the stored output ${key}`, signal);
      return JSON.parse(body.toString('utf8')) as unknown;
    },
  };
  return { artifacts, outputs };
}
