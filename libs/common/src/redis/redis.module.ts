import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { ENV } from '../config/config.module';
import { Env } from '../config/env.schema';
import { redisOptions } from './redis-options';

export const REDIS = Symbol('REDIS');

/**
 * A plain Redis client for vigil's own keys (idempotency records, pings).
 * Commands fail at once while Redis is away instead of queueing in memory.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ENV],
      useFactory: (env: Env) =>
        new Redis({ ...redisOptions(env), enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false }),
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Namespaced key, so several vigil installs (or the tests) can share one Redis. */
export function redisKey(env: Pick<Env, 'REDIS_KEY_PREFIX'>, ...parts: string[]): string {
  return [env.REDIS_KEY_PREFIX, ...parts].join(':');
}
