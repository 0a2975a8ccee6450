import type { RedisOptions } from 'ioredis';
import { Env } from '../config/env.schema';

/** ioredis options from REDIS_URL (host, port, credentials, db, TLS). */
export function redisOptions(env: Pick<Env, 'REDIS_URL'>): RedisOptions {
  const url = new URL(env.REDIS_URL);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: 5000,
  };
}
