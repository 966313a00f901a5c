import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startPostgres, startRedis, startS3, type Restartable } from '@flow-like/embedded';

export interface ExternalSettings {
  DATABASE_URL?: string | undefined;
  REDIS_URL?: string | undefined;
  S3_ENDPOINT?: string | undefined;
}

export interface ResolvedServices {
  databaseUrl: string;
  redisUrl: string;
  /** S3 settings as environment variables; only the endpoint and keys when the user configured S3 */
  s3: Record<string, string>;
  /** buckets to create, when the S3 server is ours */
  embeddedS3?: { createBucket(name: string): Promise<void> };
  stop(): Promise<void>;
}

/**
 * Use what the user configured; start a private server, with its data under
 * `dataDir`, for everything else. Started servers are stopped with `stop()`.
 */
export async function resolveServices(settings: ExternalSettings, dataDir: string, logger: Logger): Promise<ResolvedServices> {
  const started: Restartable[] = [];
  const stop = async () => {
    for (const server of started.reverse()) await server.stop().catch(() => {});
  };
  try {
    let redisUrl = settings.REDIS_URL;
    if (!redisUrl) {
      await mkdir(join(dataDir, 'redis'), { recursive: true });
      const redis = await startRedis({ dir: join(dataDir, 'redis'), persist: true });
      started.push(redis);
      redisUrl = redis.url;
      logger.info({ url: redisUrl }, 'started a private Redis');
    }
    let databaseUrl = settings.DATABASE_URL;
    if (!databaseUrl) {
      await mkdir(join(dataDir, 'postgres'), { recursive: true });
      const postgres = await startPostgres({ dir: join(dataDir, 'postgres') });
      started.push(postgres);
      databaseUrl = postgres.url('postgres');
      logger.info({ port: postgres.port }, 'started a private PostgreSQL');
    }
    if (settings.S3_ENDPOINT) return { databaseUrl, redisUrl, s3: {}, stop };
    await mkdir(join(dataDir, 's3'), { recursive: true });
    const s3 = await startS3({ dir: join(dataDir, 's3') });
    started.push(s3);
    logger.info({ endpoint: s3.endpoint }, 'started a private S3-compatible server');
    return {
      databaseUrl,
      redisUrl,
      s3: {
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: s3.region,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        S3_FORCE_PATH_STYLE: 'true',
      },
      embeddedS3: s3,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
