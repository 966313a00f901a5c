import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Unavailable, type S3Settings } from '@flow-like/core';
import type { Readable } from 'node:stream';

/** The api's view of S3: immutable workflow documents in, stored results out. */
export interface Storage {
  putMetadata(key: string, body: string): Promise<void>;
  /** a stream of a content object, or undefined when it does not exist */
  getContent(key: string): Promise<{ body: Readable; contentType: string; length?: number } | undefined>;
  ping(): Promise<void>;
  close(): void;
}

export function createStorage(settings: S3Settings): Storage {
  const client = new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const unavailable = (error: unknown) => new Unavailable('S3', error instanceof Error ? error.message : String(error));
  return {
    async putMetadata(key, body) {
      try {
        await client.send(new PutObjectCommand({ Bucket: settings.metadataBucket, Key: key, Body: body, ContentType: 'application/json' }));
      } catch (error) {
        throw unavailable(error);
      }
    },
    async getContent(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: settings.contentBucket, Key: key }));
        return {
          body: object.Body as Readable,
          contentType: object.ContentType ?? 'application/octet-stream',
          ...(object.ContentLength === undefined ? {} : { length: object.ContentLength }),
        };
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw unavailable(error);
      }
    },
    async ping() {
      try {
        await client.send(new GetObjectCommand({ Bucket: settings.metadataBucket, Key: '.flow-like-ping' }));
      } catch (error) {
        if (error instanceof NoSuchKey) return;
        throw unavailable(error);
      }
    },
    close: () => client.destroy(),
  };
}
