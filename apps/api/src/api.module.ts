import { DynamicModule, Module } from '@nestjs/common';
import { AlertingModule } from '@vigil/alerting';
import { BreakersModule } from '@vigil/breakers';
import { HealthModule, LoggingModule, MetricsModule, QueuesModule, RedisModule, VigilConfigModule, VigilConfigOptions } from '@vigil/common';
import { DatabaseModule } from '@vigil/database';
import { MonitoringModule, SelfInstrumentationModule } from '@vigil/monitoring';
import { AlertingController } from './alerting/alerting.controller';
import { NotifyController } from './alerting/notify.controller';
import { AnalyticsController } from './analytics/analytics.controller';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { DashboardController } from './dashboard/dashboard.controller';
import { IngestKeyGuard } from './auth/ingest-key.guard';
import { IngestController } from './ingest/ingest.controller';
import { IngestService } from './ingest/ingest.service';
import { OtlpController } from './otlp/otlp.controller';
import { ProjectsController } from './projects/projects.controller';

export const API_SERVICE_NAME = 'vigil-api';

@Module({})
export class ApiModule {
  static forRoot(config: VigilConfigOptions = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        VigilConfigModule.forRoot(config),
        LoggingModule,
        RedisModule,
        QueuesModule.forRoot({ role: 'producer' }),
        SelfInstrumentationModule.forRoot(API_SERVICE_NAME),
        DatabaseModule.forRoot(API_SERVICE_NAME),
        MonitoringModule,
        AlertingModule,
        BreakersModule,
        HealthModule,
        MetricsModule,
      ],
      controllers: [IngestController, OtlpController, ProjectsController, AnalyticsController, AlertingController, NotifyController, DashboardController],
      providers: [IngestService, IngestKeyGuard, AdminTokenGuard],
    };
  }
}
