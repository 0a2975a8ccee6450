import { createHash } from 'node:crypto';
import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ENV, Env, isProbeOrScrape, RateLimitedError, REDIS, redisKey } from '@vigil/common';
import type { FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import { presentedToken } from '../auth/ingest-key.guard';
import { IngestController } from '../ingest/ingest.controller';
import { FailOpenThrottlerStorage } from './fail-open-storage';

const isIngest = (context: ExecutionContext) => context.getClass() === IngestController;
const isProbe = (context: ExecutionContext) => isProbeOrScrape(context.switchToHttp().getRequest<FastifyRequest>().routeOptions.url);

/**
 * Counts per credential: the SHA-256 of the presented key or token (never the
 * secret itself), else the client IP. An invalid credential is counted too,
 * so guessing is limited like everything else.
 */
function tracker(request: FastifyRequest): string {
  const credential = presentedToken(request);
  return credential ? `cred-${createHash('sha256').update(credential).digest('hex').slice(0, 32)}` : `ip-${request.ip}`;
}

/**
 * Two budgets, counted in Redis so that every API replica shares them: one for
 * ingest, one for everything else a client calls (probes and scrapes are
 * never limited). A limit of 0 turns its budget off.
 */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [ENV, REDIS],
  useFactory: (env: Env, redis: Redis) => {
    const ttl = env.RATE_LIMIT_WINDOW_SECONDS * 1000;
    return {
      throttlers: [
        { name: 'ingest', ttl, limit: env.RATE_LIMIT_INGEST, skipIf: (c) => env.RATE_LIMIT_INGEST === 0 || !isIngest(c) },
        { name: 'management', ttl, limit: env.RATE_LIMIT_MANAGEMENT, skipIf: (c) => env.RATE_LIMIT_MANAGEMENT === 0 || isIngest(c) || isProbe(c) },
      ],
      getTracker: (request) => tracker(request as FastifyRequest),
      generateKey: (_context, who, name) => redisKey(env, 'ratelimit', name, who),
      setHeaders: false,
      storage: new FailOpenThrottlerStorage(new ThrottlerStorageRedisService(redis), env.INGEST_ENQUEUE_TIMEOUT_MS),
    };
  },
});

/** Over the limit: a 429 in vigil's error shape, with Retry-After. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new RateLimitedError(`rate limit exceeded: at most ${detail.limit} requests per ${detail.ttl / 1000} s for this credential`, detail.timeToBlockExpire);
  }
}
