import { Invalid } from '@flow-like/core';

/**
 * PostgreSQL's class 22 ("data exception": a value it cannot store or
 * compare, e.g. a NUL in text or an out-of-range number) is always about a
 * value from the request: a 422, not our failure. Routes check values before
 * storing; this is the net under those checks.
 */
export function classifyDataError(error: unknown): unknown {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && current instanceof Error) {
      return new Invalid(`a value cannot be stored: ${current.message}`);
    }
    current = (current as { cause?: unknown }).cause;
  }
  return error;
}
