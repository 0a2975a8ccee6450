import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import {
  HealthModule,
  LoggingModule,
  MetricsModule,
  QueuesModule,
  QueueWorkers,
  RedisModule,
  VigilConfigModule,
  VigilConfigOptions,
} from '@vigil/common';
import { AlertingModule, EnvChannels } from '@vigil/alerting';
import { BreakersModule } from '@vigil/breakers';
import { DatabaseModule } from '@vigil/database';
import { MonitoringModule, SelfInstrumentationModule } from '@vigil/monitoring';
import { IngestWriteMetrics } from './processors/ingest-write.metrics';
import { IngestProcessor } from './processors/ingest.processor';
import { AlertingProcessor } from './processors/alerting.processor';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { NotifyProcessor } from './processors/notify.processor';
import { AlertingScheduler } from './schedulers/alerting.scheduler';
import { ChecksProcessor } from './processors/checks.processor';
import { ChecksScheduler } from './schedulers/checks.scheduler';
import { NotifyScheduler } from './schedulers/notify.scheduler';
import { MaintenanceScheduler } from './schedulers/maintenance.scheduler';
import { WorkerRunner } from './worker-runner';

export const WORKER_SERVICE_NAME = 'vigil-worker';

/** Queue consumers and schedulers; HTTP only for probes. */
@Module({})
export class WorkerModule {
  static forRoot(config: VigilConfigOptions = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        VigilConfigModule.forRoot(config),
        LoggingModule,
        RedisModule,
        QueuesModule.forRoot({ role: 'consumer' }),
        SelfInstrumentationModule.forRoot(WORKER_SERVICE_NAME),
        DatabaseModule.forRoot(WORKER_SERVICE_NAME),
        MonitoringModule,
        AlertingModule,
        BreakersModule,
        HealthModule,
        MetricsModule,
        ScheduleModule.forRoot(),
      ],
      providers: [
        QueueWorkers,
        IngestProcessor,
        IngestWriteMetrics,
        MaintenanceProcessor,
        MaintenanceScheduler,
        AlertingProcessor,
        AlertingScheduler,
        NotifyProcessor,
        NotifyScheduler,
        EnvChannels,
        ChecksProcessor,
        ChecksScheduler,
        WorkerRunner,
      ],
    };
  }
}
