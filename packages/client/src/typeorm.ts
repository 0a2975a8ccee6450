import type { VigilClient } from './client';
import { requestContext } from './context';

/**
 * A TypeORM logger: counts queries per request and sends the slow ones,
 * normalized. TypeORM times queries only against `maxQueryExecutionTime`:
 * set it to the slow threshold (db time per request needs `instrumentPg`). Parameters are never sent (they may hold secrets).
 * Extend it to route TypeORM's other messages to your logger.
 */
export class VigilTypeOrmLogger {
  constructor(protected readonly vigil: VigilClient) {
    vigil.tracksQueries = true;
  }

  logQuery(): void {
    const ctx = requestContext.getStore();
    if (ctx) ctx.dbQueries++;
  }

  logQuerySlow(time: number, query: string): void {
    this.vigil.recordSlowQuery(query, time);
  }

  logQueryError(_error: string | Error, _query: string): void {}
  logSchemaBuild(_message: string): void {}
  logMigration(_message: string): void {}
  log(_level: 'log' | 'info' | 'warn', _message: unknown): void {}
}
