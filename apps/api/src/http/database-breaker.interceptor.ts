import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { BreakerRegistry } from '@vigil/breakers';
import type { FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Management writes (rules, silences, keys, services…) go through the database
 * breaker: while it is open they answer 503 with Retry-After at once instead of
 * waiting on a dead pool. Ingest is left out: it writes to Redis, not Postgres.
 */
@Injectable()
export class DatabaseBreakerInterceptor implements NestInterceptor {
  constructor(private readonly breakers: BreakerRegistry) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (READS.has(request.method) || request.url.startsWith('/api/v1/ingest/')) return next.handle();
    return from(this.breakers.database.run(() => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}
