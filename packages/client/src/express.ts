import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VigilClient } from './client';
import { newContext, RequestContext, requestContext } from './context';
import { headerRequestId, MiddlewareOptions, recordRequest, UNMATCHED } from './middleware-options';

/** The parts of Express's request the integration reads. */
export interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path: unknown };
}
type Handle = (req: ExpressRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

const START = Symbol('vigil.start');
const CONTEXT = Symbol('vigil.context');
type Timed = ServerResponse & { req: ExpressRequest; [START]: number; [CONTEXT]?: RequestContext };

/**
 * Per request: a start time and one listener shared by all requests (no
 * closures, no JSON); the event is built once the response has finished,
 * when Express knows the route template (mount path + route path).
 */
function tracker(client: VigilClient, options: MiddlewareOptions<ExpressRequest>) {
  function onFinish(this: Timed): void {
    const req = this.req;
    const route = req.route ? `${req.baseUrl ?? ''}${String(req.route.path)}` : UNMATCHED;
    if (options.ignore?.(route)) return;
    recordRequest(client, options, req, {
      method: req.method ?? 'GET',
      route,
      status: this.statusCode,
      durationMs: performance.now() - this[START],
      requestId: headerRequestId(req),
      ctx: this[CONTEXT],
    });
  }
  /** Starts tracking; returns the request's context when query hooks want one. */
  return function begin(req: ExpressRequest, res: ServerResponse): RequestContext | undefined {
    const timed = res as Timed;
    timed[START] = performance.now();
    res.on('finish', onFinish);
    if (!client.tracksQueries) return undefined;
    return (timed[CONTEXT] = newContext(headerRequestId(req), undefined));
  };
}

/** Express middleware: mount it before the routes (`app.use(vigilExpress(vigil))`). */
export function vigilExpress(client: VigilClient, options: MiddlewareOptions<ExpressRequest> = {}): Handle {
  const begin = tracker(client, options);
  return function vigilMiddleware(req, res, next) {
    const ctx = begin(req, res);
    if (ctx) requestContext.run(ctx, next);
    else next();
  };
}

/**
 * The same as the middleware without adding a router layer: wraps the app's
 * request handler. The cheaper choice for a whole app (Express pays a few
 * microseconds per layer on every request).
 */
export function instrumentExpress<App extends object>(app: App, client: VigilClient, options: MiddlewareOptions<ExpressRequest> = {}): App {
  const begin = tracker(client, options);
  // `handle` is Express's (undocumented but stable since 3.x) entry point of an app: app(req, res) calls it.
  const target = app as App & { handle: Handle };
  const handle = target.handle;
  if (typeof handle !== 'function') throw new TypeError('instrumentExpress needs an Express app');
  target.handle = function instrumentedHandle(this: unknown, req, res, next) {
    const ctx = begin(req, res);
    if (ctx) return requestContext.run(ctx, callHandle, handle, this, req, res, next);
    return handle.call(this, req, res, next);
  };
  return app;
}

function callHandle(handle: Handle, self: unknown, req: ExpressRequest, res: ServerResponse, next: (err?: unknown) => void): void {
  handle.call(self, req, res, next);
}

/** Express error middleware: reports the error (severity HIGH) and passes it on. Mount it after the routes. */
export function vigilExpressErrors(client: VigilClient) {
  return function vigilErrors(err: unknown, req: ExpressRequest, _res: ServerResponse, next: (err?: unknown) => void): void {
    client.captureError(err, { requestId: headerRequestId(req) });
    next(err);
  };
}
