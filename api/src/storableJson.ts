import type { InvalidIssue } from '@flow-like/core';
import { escapePointer } from '@flow-like/core';

export const MAX_JSON_DEPTH = 64;

/**
 * The first reason PostgreSQL's jsonb would refuse a value: a NUL character
 * (in a string or a key) or nesting deeper than `maxDepth`. Checked before
 * storing, so the client gets a 422 naming the spot instead of a failed insert.
 */
export function unstorableJson(value: unknown, basePath: string, maxDepth = MAX_JSON_DEPTH): InvalidIssue | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: basePath, depth: 0 }];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (typeof current.value === 'string') {
      if (current.value.includes('\u0000')) return { path: current.path, message: 'must not contain the NUL character (\\u0000)' };
      continue;
    }
    if (!current.value || typeof current.value !== 'object') continue;
    if (current.depth >= maxDepth) return { path: current.path, message: `is nested deeper than ${maxDepth} levels` };
    for (const [key, child] of Object.entries(current.value as Record<string, unknown>)) {
      const path = `${current.path}/${escapePointer(key)}`;
      if (key.includes('\u0000')) return { path, message: 'keys must not contain the NUL character (\\u0000)' };
      stack.push({ value: child, path, depth: current.depth + 1 });
    }
  }
  return undefined;
}
