import { describe, expect, it } from 'vitest';
import { Invalid, Unavailable } from '@flow-like/core';
import { classifyDataError } from './dataErrors.js';
import { classifyDependencyError } from './dependencyErrors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('errors from client libraries', () => {
  it.each<[string, unknown, string]>([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'PostgreSQL'],
    ['a Postgres shutdown', withCode('terminating connection due to administrator command', '57P01'), 'PostgreSQL'],
    ['a pool timeout', new Error('timeout exceeded when trying to connect'), 'PostgreSQL'],
    ['an offline Redis', new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'Redis'],
    ['a wrapped cause', new Error('Failed query', { cause: withCode('read ECONNRESET', 'ECONNRESET') }), 'PostgreSQL'],
  ])('%s is an unavailable dependency', (_name, error, dependency) => {
    const classified = classifyDependencyError(error);
    expect(classified).toBeInstanceOf(Unavailable);
    expect((classified as Unavailable).dependency).toBe(dependency);
  });

  it('leaves other errors alone', () => {
    const error = new TypeError('x is undefined');
    expect(classifyDependencyError(error)).toBe(error);
    expect(classifyDataError(error)).toBe(error);
  });

  it('turns a PostgreSQL data exception, however wrapped, into Invalid', () => {
    const error = new Error('Failed query', { cause: withCode('unsupported Unicode escape sequence', '22P05') });
    expect(classifyDataError(error)).toBeInstanceOf(Invalid);
    expect(classifyDataError(withCode('duplicate key', '23505'))).not.toBeInstanceOf(Invalid);
  });
});
