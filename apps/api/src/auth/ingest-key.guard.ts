import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import { AuthenticationError } from '@vigil/common';
import { ApiKeysService } from '@vigil/monitoring';
import type { FastifyRequest } from 'fastify';

type AuthedRequest = FastifyRequest & { projectId?: string };

/** The presented credential: `Authorization: Bearer <token>` or `x-api-key`. */
export function presentedToken(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const key = request.headers['x-api-key'];
  return typeof key === 'string' && key ? key : undefined;
}

/** Ingest routes: a project's API key, nothing else. */
@Injectable()
export class IngestKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeysService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const key = presentedToken(request);
    if (!key) throw new AuthenticationError('missing API key: send Authorization: Bearer <key> or x-api-key');
    const projectId = await this.keys.resolve(key);
    if (!projectId) throw new AuthenticationError('unknown or revoked API key');
    request.projectId = projectId;
    return true;
  }
}

/** The project whose key authenticated this request. */
export const ProjectId = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<AuthedRequest>().projectId,
);
