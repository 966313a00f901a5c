import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Unavailable, type S3Settings } from '@flow-like/core';
import type { Readable } from 'node:stream';

/** The api's view of S3: immutable workflow documents in, stored results out. */
export interface Storage {
  putMetadata(key: string, body: string): Promise<void>;
  /** a stream of a content object, or undefined when it does not exist */
  getContent(key: string): Promise<{ body: Readable; contentType: string; length?: number } | undefined>;
  getContentText(key: string): Promise<string | undefined>;
  /** keys under a prefix in key order, after `startAfter` when given */
  listContentKeys(prefix: string, startAfter?: string): Promise<string[]>;
  presignContent(key: string, expiresInSeconds: number): Promise<string>;
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
    async getContentText(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: settings.contentBucket, Key: key }));
        return await object.Body!.transformToString('utf8');
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw unavailable(error);
      }
    },
    async listContentKeys(prefix, startAfter) {
      const keys: string[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListObjectsV2Command({
              Bucket: settings.contentBucket,
              Prefix: prefix,
              ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
            }),
          );
          for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } catch (error) {
        throw unavailable(error);
      }
      return keys;
    },
    async presignContent(key, expiresInSeconds) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket: settings.contentBucket, Key: key }), { expiresIn: expiresInSeconds });
    },
    close: () => client.destroy(),
  };
}
