import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppError, ENV, Env } from '@vigil/common';
import { Breaker, BreakerPolicy, BreakerSnapshot, BreakerState } from './breaker';

export type StateChangeListener = (breaker: string, state: BreakerState) => void;

/** A client error of ours (bad input, not found) says nothing about the dependency's health. */
const clientError = (error: unknown) => error instanceof AppError && error.status < 500;
/**
 * Postgres failures surface as driver errors; an AppError is an answer vigil chose (a 404, a receiver's 502 in a
 * management call that also uses the database), so it never counts against the database.
 */
const deliberate = (error: unknown) => error instanceof AppError;

/** The breakers of one process, by dependency name. */
@Injectable()
export class BreakerRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger('Breakers');
  private readonly breakers = new Map<string, Breaker>();
  private readonly listeners: StateChangeListener[] = [];
  readonly redis: Breaker;
  readonly database: Breaker;
  private readonly external: BreakerPolicy;

  constructor(@Inject(ENV) env: Env) {
    this.redis = this.register(
      new Breaker('redis', {
        failureThreshold: env.REDIS_BREAKER_FAILURES,
        resetMs: env.REDIS_BREAKER_RESET_MS,
        timeoutMs: env.INGEST_ENQUEUE_TIMEOUT_MS,
        ignore: clientError,
      }),
    );
    this.database = this.register(
      new Breaker('database', {
        failureThreshold: env.DB_BREAKER_FAILURES,
        resetMs: env.DB_BREAKER_RESET_MS,
        timeoutMs: env.DB_BREAKER_TIMEOUT_MS,
        ignore: deliberate,
      }),
    );
    this.external = { failureThreshold: env.EXTERNAL_BREAKER_FAILURES, resetMs: env.EXTERNAL_BREAKER_RESET_MS, timeoutMs: env.EXTERNAL_TIMEOUT_MS };
  }

  /** The breaker of one outbound target (a notification receiver), made on first use. */
  forTarget(name: string, policy: BreakerPolicy): Breaker {
    return this.breakers.get(name) ?? this.register(new Breaker(name, policy));
  }

  /** One breaker per outbound origin (scheme, host, port), with the external-call policy. */
  forOrigin(url: string): Breaker {
    return this.forTarget(`http:${new URL(url).origin}`, this.external);
  }

  /** Called on every state change of every breaker, present and future. */
  onStateChange(listener: StateChangeListener): void {
    this.listeners.push(listener);
  }

  private register(breaker: Breaker): Breaker {
    this.breakers.set(breaker.name, breaker);
    const changed = (state: BreakerState) => () => {
      const log = { breaker: breaker.name, state };
      if (state === 'open') this.logger.warn(log, 'circuit opened');
      else this.logger.log(log, state === 'closed' ? 'circuit closed' : 'circuit half-open');
      for (const listener of this.listeners) listener(breaker.name, state);
    };
    breaker.on('open', changed('open'));
    breaker.on('halfOpen', changed('half-open'));
    breaker.on('close', changed('closed'));
    return breaker;
  }

  snapshot(): BreakerSnapshot[] {
    return [...this.breakers.values()].map((b) => b.snapshot());
  }

  onApplicationShutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
  }
}
