import type { IncomingMessage } from 'node:http';
import type { VigilClient } from './client';
import type { RequestContext } from './context';
import type { RequestEvent } from './events';

/** What the framework integrations take besides the client. */
export interface MiddlewareOptions<Req = IncomingMessage> {
  /** The user id of a request, if any (called once per request, after the response). */
  user?: (req: Req) => string | undefined;
  tenant?: (req: Req) => string | undefined;
  /** More fields of the request event, known only to the app (cache hits and misses, say). */
  fields?: (req: Req) => Pick<RequestEvent, 'cacheHits' | 'cacheMisses' | 'clientIp'> | undefined;
  /** Routes not to record, e.g. health probes. */
  ignore?: (route: string) => boolean;
}

export const UNMATCHED = '(unmatched)';

export function headerRequestId(req: IncomingMessage): string | undefined {
  const id = req.headers['x-request-id'];
  return typeof id === 'string' ? id : undefined;
}

/** What a framework knows of a finished request. */
export interface FinishedRequest {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  requestId: string | undefined;
  ctx: RequestContext | undefined;
}

/** Records a finished request the same way for every framework: the app's user, tenant and extra fields added. */
export function recordRequest<Req>(client: VigilClient, options: MiddlewareOptions<Req>, req: Req, done: FinishedRequest): void {
  client.record('requests', {
    timestamp: Date.now(),
    service: client.service,
    method: done.method,
    route: done.route,
    status: done.status,
    durationMs: done.durationMs,
    dbQueries: done.ctx?.dbQueries,
    dbTimeMs: done.ctx?.dbTimeMs,
    userId: options.user?.(req),
    tenantId: options.tenant?.(req),
    ...options.fields?.(req),
    requestId: done.requestId,
  });
}
