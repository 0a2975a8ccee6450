import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthenticationError, ENV, Env } from '@vigil/common';
import type { FastifyRequest } from 'fastify';
import { presentedToken } from './ingest-key.guard';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Management routes: the ADMIN_TOKEN as a bearer token, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ENV) env: Env) {
    this.expected = digest(env.ADMIN_TOKEN ?? '');
  }

  canActivate(context: ExecutionContext): boolean {
    const token = presentedToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (!token) throw new AuthenticationError('missing admin token: send Authorization: Bearer <token>');
    if (!timingSafeEqual(digest(token), this.expected)) throw new AuthenticationError('invalid admin token');
    return true;
  }
}
