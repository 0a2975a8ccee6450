import { ServiceUnavailableError } from '@vigil/common';
import { LRUCache } from 'lru-cache';
import { cachedLookup } from './api-keys.service';

describe('cachedLookup', () => {
  const down = () => Promise.reject(new Error('connect ECONNREFUSED'));

  it('answers from the cache, then from the database once the entry expired', async () => {
    const cache = new LRUCache<string, { v: number }>({ max: 10, ttl: 20, noDeleteOnStaleGet: true });
    expect(await cachedLookup(cache, 'h', async () => ({ v: 1 }))).toEqual({ v: 1 });
    expect(await cachedLookup(cache, 'h', async () => ({ v: 2 }))).toEqual({ v: 1 });
    await new Promise((r) => setTimeout(r, 40));
    expect(await cachedLookup(cache, 'h', async () => ({ v: 3 }))).toEqual({ v: 3 });
  });

  it('falls back to the expired answer while the database is down', async () => {
    const cache = new LRUCache<string, { v: number }>({ max: 10, ttl: 20, noDeleteOnStaleGet: true });
    await cachedLookup(cache, 'h', async () => ({ v: 1 }));
    await new Promise((r) => setTimeout(r, 40));
    expect(await cachedLookup(cache, 'h', down)).toEqual({ v: 1 });
  });

  it('is a 503 with Retry-After for a credential never seen while the database is down', async () => {
    const cache = new LRUCache<string, { v: number }>({ max: 10, ttl: 20, noDeleteOnStaleGet: true });
    const error = await cachedLookup(cache, 'h', down).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).headers['retry-after']).toBe('5');
  });
});
