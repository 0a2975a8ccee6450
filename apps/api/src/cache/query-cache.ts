import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BreakerRegistry } from '@vigil/breakers';
import { ENV, Env, REDIS, redisKey } from '@vigil/common';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter, Registry } from 'prom-client';

export const CACHE_CATEGORIES = ['summary', 'endpoints', 'timeseries', 'dashboard'] as const;
export type CacheCategory = (typeof CACHE_CATEGORIES)[number];

/** Hits and misses of one request, for the cache columns of vigil's own request metrics. */
export interface CacheTally {
  cacheHits: number;
  cacheMisses: number;
}

/** The tally of one HTTP request, made on first use; the request metrics hook reads it when the response is sent. */
export function tallyOf(request: object): CacheTally {
  const holder = request as { cacheTally?: CacheTally };
  return (holder.cacheTally ??= { cacheHits: 0, cacheMisses: 0 });
}

/** `inflight`: a request that joined a computation already running for the same key. */
type Store = 'redis' | 'memory' | 'inflight';

/**
 * Analytics answers, cached per category for its TTL: in Redis (shared by all
 * API replicas) and, while Redis is unreachable or its breaker is open, in an
 * in-memory LRU. Concurrent requests for one cold key share one computation
 * (single-flight). Computations run behind the database breaker.
 */
@Injectable()
export class QueryCache {
  private readonly memory: LRUCache<string, { value: unknown }>;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly ttlSeconds: Record<CacheCategory, number>;
  private readonly lookups: Counter<'category' | 'result' | 'store'>;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(ENV) private readonly env: Env,
    private readonly breakers: BreakerRegistry,
    registry: Registry,
  ) {
    this.memory = new LRUCache({ max: env.CACHE_MEMORY_MAX_ENTRIES });
    this.ttlSeconds = {
      summary: env.CACHE_TTL_SUMMARY_SECONDS,
      endpoints: env.CACHE_TTL_ENDPOINTS_SECONDS,
      timeseries: env.CACHE_TTL_TIMESERIES_SECONDS,
      dashboard: env.CACHE_TTL_DASHBOARD_SECONDS,
    };
    this.lookups = new Counter({
      name: 'vigil_cache_lookups_total',
      help: 'Analytics cache lookups by category, result (hit or miss) and the store that answered (redis; memory while Redis is away; inflight when joining a running computation)',
      labelNames: ['category', 'result', 'store'],
      registers: [registry],
    });
  }

  /** The cached answer for (category, key), or `compute`'s, stored for the category's TTL (0: not cached). */
  async get<T>(category: CacheCategory, key: unknown, compute: () => Promise<T>, tally?: CacheTally): Promise<T> {
    const ttl = this.ttlSeconds[category];
    if (ttl === 0) return this.breakers.database.run(compute);
    const id = redisKey(this.env, 'cache', category, createHash('sha256').update(stableJson(key)).digest('base64url'));
    let pending = this.inflight.get(id) as Promise<T> | undefined;
    if (!pending) {
      pending = this.lookup(category, id, ttl, compute, tally).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    } else {
      this.count(category, 'hit', 'inflight', tally);
    }
    return pending;
  }

  private async lookup<T>(category: CacheCategory, id: string, ttl: number, compute: () => Promise<T>, tally?: CacheTally): Promise<T> {
    const { store, found } = await this.read(id);
    if (found) {
      this.count(category, 'hit', store, tally);
      return found.value as T;
    }
    this.count(category, 'miss', store, tally);
    const value = await this.breakers.database.run(compute);
    await this.write(id, value, ttl);
    return value;
  }

  private async read(id: string): Promise<{ store: Store; found?: { value: unknown } }> {
    try {
      const text = await this.breakers.redis.run(() => this.redis.get(id));
      return { store: 'redis', found: text === null ? undefined : { value: JSON.parse(text) } };
    } catch {
      return { store: 'memory', found: this.memory.get(id) };
    }
  }

  private async write(id: string, value: unknown, ttl: number): Promise<void> {
    try {
      await this.breakers.redis.run(() => this.redis.set(id, JSON.stringify(value), 'EX', ttl));
    } catch {
      this.memory.set(id, { value }, { ttl: ttl * 1000 });
    }
  }

  private count(category: CacheCategory, result: 'hit' | 'miss', store: Store, tally?: CacheTally): void {
    this.lookups.inc({ category, result, store });
    if (tally) tally[result === 'hit' ? 'cacheHits' : 'cacheMisses']++;
  }
}

/** JSON with sorted keys, so `?a=1&b=2` and `?b=2&a=1` share an entry. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}
