import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AlertingModule } from '@vigil/alerting';
import { BreakersModule } from '@vigil/breakers';
import { HealthModule, LoggingModule, MetricsModule, QueuesModule, RedisModule, VigilConfigModule, VigilConfigOptions } from '@vigil/common';
import { DatabaseModule } from '@vigil/database';
import { MonitoringModule, SelfInstrumentationModule } from '@vigil/monitoring';
import { AlertingController } from './alerting/alerting.controller';
import { NotifyController } from './alerting/notify.controller';
import { AnalyticsController } from './analytics/analytics.controller';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { BreakersController } from './breakers/breakers.controller';
import { QueryCache } from './cache/query-cache';
import { ServicesController } from './services/services.controller';
import { DatabaseBreakerInterceptor } from './http/database-breaker.interceptor';
import { DashboardController } from './dashboard/dashboard.controller';
import { IngestKeyGuard } from './auth/ingest-key.guard';
import { IngestController } from './ingest/ingest.controller';
import { IngestService } from './ingest/ingest.service';
import { RateLimitGuard, RateLimitModule } from './limits/rate-limits';
import { OtlpController } from './otlp/otlp.controller';
import { ProjectsController } from './projects/projects.controller';
import { TokensController } from './tokens/tokens.controller';

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
        RateLimitModule,
      ],
      controllers: [
        IngestController, OtlpController, ProjectsController, AnalyticsController, AlertingController, NotifyController, DashboardController, BreakersController, ServicesController,
        TokensController,
      ],
      providers: [
        IngestService, IngestKeyGuard, AdminTokenGuard, QueryCache,
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_INTERCEPTOR, useClass: DatabaseBreakerInterceptor },
      ],
    };
  }
}
