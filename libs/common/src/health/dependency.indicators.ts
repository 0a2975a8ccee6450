import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { ENV } from '../config/config.module';
import { Env } from '../config/env.schema';
import { JobsService } from '../queues/jobs.service';
import { QueueName } from '../queues/job-payloads';
import { REDIS } from '../redis/redis.module';
import { withTimeout } from '../util/with-timeout';

@Injectable()
export class RedisIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async ping(key = 'redis'): Promise<HealthIndicatorResult> {
    const check = this.health.check(key);
    const started = performance.now();
    try {
      await withTimeout(this.redis.ping(), this.env.HEALTH_TIMEOUT_MS, 'redis ping');
      return check.up({ latencyMs: Math.round(performance.now() - started) });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}

/** Ingest jobs waiting for the worker: readiness fails when the backlog passes its limit. */
@Injectable()
export class IngestBacklogIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly jobs: JobsService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async check(key = 'ingestQueue'): Promise<HealthIndicatorResult> {
    const check = this.health.check(key);
    try {
      const backlog = await withTimeout(this.jobs.backlog(QueueName.Ingest), this.env.HEALTH_TIMEOUT_MS, 'queue count');
      const limit = this.env.INGEST_READY_MAX_BACKLOG;
      return backlog <= limit ? check.up({ backlog, limit }) : check.down({ backlog, limit });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}

/** What readiness shows of the circuit breakers (provided by @vigil/breakers, which builds on this lib). */
export const BREAKER_SNAPSHOTS = Symbol('BREAKER_SNAPSHOTS');
export interface BreakerSnapshots {
  snapshot(): Array<{ name: string; state: string }>;
}

/**
 * State, counts and latency of every breaker. Informative only: the database
 * and Redis checks already fail readiness, and an open receiver breaker must not.
 */
@Injectable()
export class BreakersIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Optional() @Inject(BREAKER_SNAPSHOTS) private readonly breakers?: BreakerSnapshots,
  ) {}

  check(key = 'breakers'): HealthIndicatorResult {
    const all = this.breakers?.snapshot() ?? [];
    return this.health.check(key).up(Object.fromEntries(all.map(({ name, ...rest }) => [name, rest])));
  }
}
