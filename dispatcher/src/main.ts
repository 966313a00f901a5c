import { pino } from 'pino';
import { ConfigError, toError } from '@flow-like/core';
import { readDispatcherEnv } from './env.js';
import { startDispatcherService } from './service.js';

let env;
try {
  env = readDispatcherEnv(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : toError(error).message);
  process.exit(2);
}

const logger = pino({ level: env.LOG_LEVEL });
const service = await startDispatcherService(env, logger);

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
