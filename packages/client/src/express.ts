import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VigilClient } from './client';
import { newContext, RequestContext, requestContext } from './context';
import { headerRequestId, MiddlewareOptions, UNMATCHED } from './middleware-options';

/** The parts of Express's request the middleware reads. */
export interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path: unknown };
}

const START = Symbol('vigil.start');
const CONTEXT = Symbol('vigil.context');
type Timed = ServerResponse & { req: ExpressRequest; [START]: number; [CONTEXT]?: RequestContext };

/**
 * Express middleware: one event per finished response with the route template
 * (mount path + route path), status and duration. Mount it before the routes.
 * Per request it sets a start time and one listener shared by all requests.
 */
export function vigilExpress(client: VigilClient, options: MiddlewareOptions<ExpressRequest> = {}) {
  function onFinish(this: Timed): void {
    const req = this.req;
    const route = req.route ? `${req.baseUrl ?? ''}${String(req.route.path)}` : UNMATCHED;
    if (options.ignore?.(route)) return;
    const ctx = this[CONTEXT];
    client.record('requests', {
      timestamp: Date.now(),
      service: client.service,
      method: req.method ?? 'GET',
      route,
      status: this.statusCode,
      durationMs: performance.now() - this[START],
      dbQueries: ctx?.dbQueries,
      dbTimeMs: ctx?.dbTimeMs,
      userId: options.user?.(req),
      tenantId: options.tenant?.(req),
      requestId: headerRequestId(req),
    });
  }

  return function vigilMiddleware(req: ExpressRequest, res: ServerResponse, next: (err?: unknown) => void): void {
    const timed = res as Timed;
    timed[START] = performance.now();
    res.on('finish', onFinish);
    if (!client.tracksQueries) return next();
    const ctx = newContext(headerRequestId(req), undefined);
    timed[CONTEXT] = ctx;
    requestContext.run(ctx, next);
  };
}

/** Express error middleware: reports the error (5xx severity HIGH) and passes it on. Mount it after the routes. */
export function vigilExpressErrors(client: VigilClient) {
  return function vigilErrors(err: unknown, req: ExpressRequest, _res: ServerResponse, next: (err?: unknown) => void): void {
    client.captureError(err, { requestId: headerRequestId(req) });
    next(err);
  };
}
