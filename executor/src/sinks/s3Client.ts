import { Transform, type Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from '@flow-like/core';

/**
 * One way to build the S3 client. Checksums only when required: many
 * S3-compatible servers store the SDK's default aws-chunked trailer bytes as
 * the object body (ENVIRONMENT.md). Short connection timeouts and few SDK
 * retries: an outage should surface quickly to our own bounded retry, which
 * knows what the write is for.
 */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 60_000 },
  });
}

export async function putObject(client: S3Client, bucket: string, key: string, body: string | Uint8Array, contentType: string, signal?: AbortSignal): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), signal ? { abortSignal: signal } : {});
}

/** Stream a body of unknown length into an object in parts, holding at most a few parts in memory. */
export async function uploadStream(client: S3Client, bucket: string, key: string, body: Readable, contentType: string, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  // counted on the way through: a 'data' listener on the body itself would race the uploader for the chunks
  const counted = body.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    }),
  );
  body.once('error', (error) => counted.destroy(error));
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: counted, ContentType: contentType },
    queueSize: 2,
    partSize: 5 * 1024 * 1024,
    leavePartsOnError: false,
  });
  const onAbort = () => void upload.abort().catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await upload.done();
    return bytes;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export class ObjectTooLarge extends Error {
  constructor(
    readonly key: string,
    readonly maxBytes: number,
  ) {
    super(`object "${key}" is larger than ${maxBytes} bytes`);
    this.name = 'ObjectTooLarge';
  }
}

/** Read an object, refusing (before reading the rest) one larger than `maxBytes`. */
export async function getObjectCapped(
  client: S3Client,
  bucket: string,
  key: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<{ body: Buffer; contentType?: string }> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
  const stream = response.Body as Readable | undefined;
  if (!stream) return { body: Buffer.alloc(0) };
  if ((response.ContentLength ?? 0) > maxBytes) {
    stream.destroy();
    throw new ObjectTooLarge(key, maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      stream.destroy();
      throw new ObjectTooLarge(key, maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return { body: Buffer.concat(chunks), ...(response.ContentType ? { contentType: response.ContentType } : {}) };
}
