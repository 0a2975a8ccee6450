import { Injectable, Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { SelfMetricsRecorder } from './self-metrics.recorder';

/**
 * TypeORM's logger: queries slower than SLOW_QUERY_THRESHOLD_MS become vigil's
 * own slow-query events. Parameters are never logged (they may hold key hashes).
 */
@Injectable()
export class SlowQueryLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  constructor(private readonly recorder: SelfMetricsRecorder) {}

  logQuerySlow(time: number, query: string): void {
    this.recorder.recordSlowQuery(query, time);
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.warn({ err: error instanceof Error ? error.message : error, query }, 'query failed');
  }

  logQuery(): void {}

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(message);
    else this.logger.debug(message);
  }
}
