import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { withTimeout } from '@vigil/common';

/**
 * Rate limiting must not turn a Redis outage into errors of its own: when the
 * counter cannot be reached in time the request passes uncounted, and ingest
 * then answers its own 503 with Retry-After if Redis is really gone.
 */
export class FailOpenThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');

  constructor(
    private readonly inner: ThrottlerStorage,
    private readonly timeoutMs: number,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    try {
      return await withTimeout(this.inner.increment(key, ttl, limit, blockDuration, throttlerName), this.timeoutMs, 'rate-limit counter');
    } catch (error) {
      this.logger.warn(`rate limit not applied: ${(error as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
