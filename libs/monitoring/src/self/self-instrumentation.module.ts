import { DynamicModule, Global, Module } from '@nestjs/common';
import { SELF_SERVICE, SelfMetricsRecorder } from './self-metrics.recorder';
import { SlowQueryLogger } from './slow-query.logger';

/** vigil monitoring itself: `service` names the app in its own metrics. */
@Global()
@Module({})
export class SelfInstrumentationModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: SelfInstrumentationModule,
      providers: [{ provide: SELF_SERVICE, useValue: service }, SelfMetricsRecorder, SlowQueryLogger],
      exports: [SelfMetricsRecorder, SlowQueryLogger],
    };
  }
}
