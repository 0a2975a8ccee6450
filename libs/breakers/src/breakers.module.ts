import { Global, Module } from '@nestjs/common';
import { BREAKER_SNAPSHOTS } from '@vigil/common';
import { BreakerEvents } from './breaker-events';
import { BreakerMetrics } from './breaker.metrics';
import { BreakerRegistry } from './breaker-registry';

/** Needs MetricsModule (from @vigil/common) and SelfInstrumentationModule (from @vigil/monitoring) in the same app. */
@Global()
@Module({
  providers: [BreakerRegistry, BreakerMetrics, BreakerEvents, { provide: BREAKER_SNAPSHOTS, useExisting: BreakerRegistry }],
  exports: [BreakerRegistry, BREAKER_SNAPSHOTS],
})
export class BreakersModule {}
