import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthenticationError, ENV, Env, ForbiddenError } from '@vigil/common';
import { AdminTokensService, Role, roleAllows } from '@vigil/monitoring';
import type { FastifyRequest } from 'fastify';
import { presentedToken } from './ingest-key.guard';
import { REQUIRED_ROLE } from './require-role.decorator';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Management routes: a token made by `vigil tokens:create`, with the role the
 * route asks for (`@RequireRole`; admin when unmarked, so a new route is
 * closed until someone decides). ADMIN_TOKEN stays a bootstrap admin token,
 * compared in constant time. Ingest keys are unknown here, hence 401.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly bootstrap: Buffer;

  constructor(
    @Inject(ENV) env: Env,
    private readonly tokens: AdminTokensService,
    private readonly reflector: Reflector,
  ) {
    this.bootstrap = digest(env.ADMIN_TOKEN ?? '');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const token = presentedToken(context.switchToHttp().getRequest<FastifyRequest>());
    if (!token) throw new AuthenticationError('missing admin token: send Authorization: Bearer <token>');
    const role = timingSafeEqual(digest(token), this.bootstrap) ? 'admin' : await this.tokens.resolve(token);
    if (!role) throw new AuthenticationError('invalid admin token');
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]) ?? 'admin';
    if (!roleAllows(role, required)) {
      throw new ForbiddenError(`this route needs the ${required} role; the token has ${role}`, [{ path: 'role', message: `requires ${required}` }]);
    }
    return true;
  }
}
