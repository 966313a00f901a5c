import { pino } from 'pino';
import { ConfigError, toError } from '@flow-like/core';
import { readApiEnv } from './env.js';
import { startApiService } from './service.js';

let env;
try {
  env = readApiEnv(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : toError(error).message);
  process.exit(2);
}

const logger = pino({ level: env.LOG_LEVEL, redact: ['req.headers.authorization'] });
const service = await startApiService(env, logger);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
