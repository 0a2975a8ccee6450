import { ServiceUnavailableError } from '@vigil/common';
import CircuitBreaker from 'opossum';

export interface BreakerPolicy {
  /** Failures in the rolling window (with at least this many calls) that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before a half-open probe. */
  resetMs: number;
  /** A call slower than this counts as a failure. */
  timeoutMs: number;
  /** Errors that say nothing about the dependency's health (a 4xx of ours), so they do not count as failures. */
  ignore?: (error: unknown) => boolean;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSnapshot {
  name: string;
  state: BreakerState;
  failures: number;
  successes: number;
  rejects: number;
  timeouts: number;
  latencyMeanMs: number;
  /** The policy, so an operator sees why it opened and how long it stays open. */
  failureThreshold: number;
  resetMs: number;
}

/** Raised instead of calling a dependency while its breaker is open: a 503 with Retry-After wherever it reaches a client. */
export class BreakerOpenError extends ServiceUnavailableError {
  constructor(
    readonly breaker: string,
    readonly retryAfterMs: number,
  ) {
    super(`${breaker} is unavailable (circuit open)`, retryAfterMs / 1000);
  }
}

/**
 * One dependency behind an opossum circuit breaker. Any async call to the
 * dependency goes through `run`, so all of them share one failure count.
 */
export class Breaker {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private openedAt = 0;

  constructor(
    readonly name: string,
    private readonly settings: BreakerPolicy,
  ) {
    this.breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      name,
      timeout: settings.timeoutMs,
      resetTimeout: settings.resetMs,
      volumeThreshold: settings.failureThreshold,
      errorThresholdPercentage: 50,
      rollingCountTimeout: Math.max(10_000, settings.resetMs),
      errorFilter: settings.ignore,
    });
    this.breaker.on('open', () => (this.openedAt = Date.now()));
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(call)) as T;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EOPENBREAKER') throw new BreakerOpenError(this.name, this.retryAfterMs());
      if (code === 'ETIMEDOUT') throw new ServiceUnavailableError(`${this.name} did not answer within ${this.settings.timeoutMs} ms`, 1);
      throw error;
    }
  }

  /** For work longer than the breaker's timeout: only refused while the breaker is open, not timed by it. */
  ensureClosed(): void {
    if (this.breaker.opened) throw new BreakerOpenError(this.name, this.retryAfterMs());
  }

  on(event: 'open' | 'close' | 'halfOpen', listener: () => void): void {
    this.breaker.on(event as 'open', listener);
  }

  /** Time until the next half-open probe; at least one second, for Retry-After. */
  retryAfterMs(): number {
    return Math.max(1000, this.openedAt + this.settings.resetMs - Date.now());
  }

  snapshot(): BreakerSnapshot {
    const stats = this.breaker.stats;
    return {
      name: this.name,
      state: this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half-open' : 'closed',
      failures: stats.failures,
      successes: stats.successes,
      rejects: stats.rejects,
      timeouts: stats.timeouts,
      latencyMeanMs: Math.round(stats.latencyMean ?? 0),
      failureThreshold: this.settings.failureThreshold,
      resetMs: this.settings.resetMs,
    };
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
