import { Injectable, Logger } from '@nestjs/common';
import { VigilTypeOrmLogger } from '@vigil/client';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { SelfMetricsRecorder } from './self-metrics.recorder';

/**
 * TypeORM's logger: the client's, so queries slower than SLOW_QUERY_THRESHOLD_MS
 * become vigil's own slow-query events; the rest goes to the app's log.
 * Parameters are never logged (they may hold key hashes).
 */
@Injectable()
export class SlowQueryLogger extends VigilTypeOrmLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  constructor(recorder: SelfMetricsRecorder) {
    super(recorder.client);
  }

  override logQueryError(error: string | Error, query: string): void {
    this.logger.warn({ err: error instanceof Error ? error.message : error, query }, 'query failed');
  }

  override logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  override logMigration(message: string): void {
    this.logger.log(message);
  }

  override log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(message);
    else this.logger.debug(message);
  }
}
