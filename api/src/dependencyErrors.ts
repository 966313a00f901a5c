import { Unavailable } from '@flow-like/core';

/** Socket-level failures: the dependency is away, not our request wrong. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** PostgreSQL SQLSTATEs that mean "the server cannot serve now" (class 08, 57P0x, 53300). */
function isPostgresUnavailableCode(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

const POSTGRES_MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /Connection terminated unexpectedly/i, /Client has encountered a connection error/i];
const REDIS_MESSAGES = [/Stream isn't writeable/i, /enableOfflineQueue/i, /Connection is closed/i, /MaxRetriesPerRequestError|max retries per request/i];

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && chain.length < 5) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/**
 * Turn an error from a client library into Unavailable when it says a
 * dependency is down, so the caller answers 503 instead of 500. Anything else
 * comes back unchanged.
 */
export function classifyDependencyError(error: unknown): unknown {
  for (const candidate of causes(error)) {
    if (!(candidate instanceof Error)) continue;
    const code = (candidate as { code?: unknown }).code;
    const message = candidate.message;
    const fromRedis = REDIS_MESSAGES.some((pattern) => pattern.test(message)) || candidate.name === 'MaxRetriesPerRequestError';
    if (fromRedis) return new Unavailable('Redis', message);
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || isPostgresUnavailableCode(code))) {
      return new Unavailable('PostgreSQL', message);
    }
    if (POSTGRES_MESSAGES.some((pattern) => pattern.test(message))) return new Unavailable('PostgreSQL', message);
  }
  return error;
}
