import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '@flow-like/core';

/**
 * One way to build the S3 client. Checksums only when required: many
 * S3-compatible servers store the SDK's default aws-chunked trailer bytes as
 * the object body (ENVIRONMENT.md).
 */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function putObject(client: S3Client, bucket: string, key: string, body: string | Uint8Array, contentType: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}
