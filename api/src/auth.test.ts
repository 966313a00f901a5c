import { describe, expect, it } from 'vitest';
import { Forbidden, NotFound } from '@flow-like/core';
import { credentialOf, isAdminToken, requireProject, requireProjectAccess, type Principal } from './auth.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('credentials', () => {
  it.each<[string | undefined, string | undefined]>([
    ['Bearer abc', 'abc'],
    ['bearer   abc  ', 'abc'],
    [basic('anyone', 'secret'), 'secret'],
    [basic('anyone', ''), undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['Token abc', undefined],
    [undefined, undefined],
  ])('%j gives %j', (header, credential) => {
    expect(credentialOf(header)).toBe(credential);
  });

  it('compares the admin token whatever the lengths', () => {
    expect(isAdminToken('0123456789abcdef', '0123456789abcdef')).toBe(true);
    expect(isAdminToken('0123456789abcde', '0123456789abcdef')).toBe(false);
    expect(isAdminToken('', '0123456789abcdef')).toBe(false);
  });
});

describe('what a principal may do', () => {
  const reader: Principal = { kind: 'project', projectId: 'p1', keyId: 'k', scopes: ['read'] };
  const owner: Principal = { kind: 'project', projectId: 'p1', keyId: 'k', scopes: ['admin'] };
  const admin: Principal = { kind: 'admin' };

  it('a project key acts for its own project within its scopes; admin implies the others', () => {
    expect(requireProject(reader, 'read')).toBe('p1');
    expect(() => requireProject(reader, 'submit')).toThrow(Forbidden);
    expect(requireProject(owner, 'submit')).toBe('p1');
    expect(() => requireProject(admin, 'read')).toThrow(Forbidden);
  });

  it('another project reads as not found, before any scope is checked', () => {
    expect(() => requireProjectAccess(reader, 'p2', 'read')).toThrow(NotFound);
    expect(() => requireProjectAccess(reader, 'p2', 'admin')).toThrow(NotFound);
    expect(() => requireProjectAccess(reader, 'p1', 'admin')).toThrow(Forbidden);
    expect(() => requireProjectAccess(admin, 'p2', 'admin')).not.toThrow();
  });
});
