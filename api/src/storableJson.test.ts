import { describe, expect, it } from 'vitest';
import { unstorableJson } from './storableJson.js';

const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);

describe('values jsonb can store', () => {
  it.each<[string, unknown, string | undefined]>([
    ['plain values', { a: [1, 'two', null, true, { b: 'c' }] }, undefined],
    ['a NUL in a string', { a: ['ok', 'b\u0000d'] }, '/input/a/1'],
    ['a NUL in a key', { 'k\u0000': 1 }, '/input/k\u0000'],
    ['keys with / and ~ escaped in the path', { 'a/b': { '~': 'x\u0000' } }, '/input/a~1b/~0'],
    ['64 levels', nested(64), undefined],
    ['65 levels', nested(65), expect.stringMatching(/^\/input(\/0)+$/) as unknown as string],
  ])('%s', (_name, value, path) => {
    expect(unstorableJson(value, '/input')?.path).toEqual(path);
  });

  it('handles nesting far deeper than the call stack would allow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableJson(deep, '')?.message).toMatch(/deeper than 64/);
  });
});
