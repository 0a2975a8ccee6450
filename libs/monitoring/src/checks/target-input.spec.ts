import { ValidationError } from '@vigil/common';
import { maskAddress, validateTarget, validateTargetPatch } from './target-input';

const issues = (body: unknown) => {
  try {
    validateTarget(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  return [];
};

describe('service target input', () => {
  it.each([
    [{ name: 'web', kind: 'http', address: 'https://example.com/health', keyword: 'ok' }],
    [{ name: 'db port', kind: 'tcp', address: '[::1]:5432' }],
    [{ name: 'own-db', kind: 'postgres' }],
    [{ name: 'cache', kind: 'redis', address: 'rediss://cache:6380/2' }],
  ])('accepts %j', (body) => {
    expect(issues(body)).toEqual([]);
  });

  it.each([
    [{ name: 'x', kind: 'tcp', address: 'h:70000' }, 'address', 'must be host:port for a tcp target'],
    [{ name: 'x', kind: 'redis', address: 'http://cache' }, 'address', 'must be a redis:// or rediss:// URL for a redis target'],
    [{ name: 'x', kind: 'postgres', address: 'not a url' }, 'address', 'must be a postgres:// or postgresql:// URL for a postgres target'],
    [{ name: 'x', kind: 'tcp', address: 'h:1', timeoutMs: 20_000, intervalSeconds: 10 }, 'timeoutMs', 'must not exceed the interval'],
    [{ name: '', kind: 'tcp', address: 'h:1' }, 'name', 'must NOT have fewer than 1 characters'],
  ])('refuses %j naming %s', (body, path, message) => {
    expect(issues(body)).toEqual([{ path, message }]);
  });

  it('checks a patch against the target it changes', () => {
    const current = { name: 'web', kind: 'http' as const, address: 'https://example.com' };
    expect(validateTargetPatch({ intervalSeconds: 30 }, current)).toMatchObject({ address: 'https://example.com', intervalSeconds: 30 });
    expect(() => validateTargetPatch({ kind: 'tcp' }, current)).toThrow('address must be host:port for a tcp target');
  });

  it('hides a password in an address, and leaves others alone', () => {
    expect(maskAddress('postgres://u:s3cret@db:5432/app')).toBe('postgres://u:***@db:5432/app');
    expect(maskAddress('redis://cache:6379')).toBe('redis://cache:6379');
    expect(maskAddress('host:25')).toBe('host:25');
    expect(maskAddress(null)).toBeNull();
  });
});
