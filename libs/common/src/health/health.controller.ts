import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorFunction, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { ENV } from '../config/config.module';
import { Env } from '../config/env.schema';
import { BreakersIndicator, IngestBacklogIndicator, RedisIndicator } from './dependency.indicators';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisIndicator,
    private readonly backlog: IngestBacklogIndicator,
    private readonly breakers: BreakersIndicator,
    @Inject(ENV) private readonly env: Env,
  ) {}

  /** Liveness checks nothing external: a database hiccup must not restart every pod. */
  @Get('live')
  live(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.check([], reply);
  }

  @Get('ready')
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.check(
      [
        () => this.db.pingCheck('database', { timeout: this.env.HEALTH_TIMEOUT_MS }),
        () => this.redis.ping(),
        () => this.backlog.check(),
        () => this.breakers.check(),
      ],
      reply,
    );
  }

  /** Terminus's report as the body in both cases; 503 when any check is down. */
  private async check(indicators: HealthIndicatorFunction[], reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check(indicators);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
