import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ENV, Env } from '@vigil/common';
import { Breaker, BreakerPolicy, BreakerSnapshot } from './breaker';

/** The breakers of one process, by dependency name. */
@Injectable()
export class BreakerRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger('Breakers');
  private readonly breakers = new Map<string, Breaker>();
  readonly redis: Breaker;

  constructor(@Inject(ENV) env: Env) {
    this.redis = this.register(
      new Breaker('redis', {
        failureThreshold: env.REDIS_BREAKER_FAILURES,
        resetMs: env.REDIS_BREAKER_RESET_MS,
        timeoutMs: env.INGEST_ENQUEUE_TIMEOUT_MS,
      }),
    );
  }

  /** The breaker of one outbound target (a notification receiver), made on first use. */
  forTarget(name: string, policy: BreakerPolicy): Breaker {
    return this.breakers.get(name) ?? this.register(new Breaker(name, policy));
  }

  private register(breaker: Breaker): Breaker {
    this.breakers.set(breaker.name, breaker);
    breaker.on('open', () => this.logger.warn({ breaker: breaker.name }, 'circuit opened'));
    breaker.on('halfOpen', () => this.logger.log({ breaker: breaker.name }, 'circuit half-open'));
    breaker.on('close', () => this.logger.log({ breaker: breaker.name }, 'circuit closed'));
    return breaker;
  }

  snapshot(): BreakerSnapshot[] {
    return [...this.breakers.values()].map((b) => b.snapshot());
  }

  onApplicationShutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
  }
}
