import { Global, Module } from '@nestjs/common';
import { BreakerMetrics } from './breaker.metrics';
import { BreakerRegistry } from './breaker-registry';

/** Needs MetricsModule (from @vigil/common) in the same app, for `vigil_breaker_open`. */
@Global()
@Module({ providers: [BreakerRegistry, BreakerMetrics], exports: [BreakerRegistry] })
export class BreakersModule {}
