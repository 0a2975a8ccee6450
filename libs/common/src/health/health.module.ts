import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BreakersIndicator, IngestBacklogIndicator, RedisIndicator } from './dependency.indicators';
import { HealthController } from './health.controller';

/** `/health/live` and `/health/ready`, served by the API and by the worker's probe port. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 })],
  controllers: [HealthController],
  providers: [RedisIndicator, IngestBacklogIndicator, BreakersIndicator],
})
export class HealthModule {}
