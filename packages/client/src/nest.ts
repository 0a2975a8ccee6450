import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VigilClient } from './client';
import { newContext, RequestContext, requestContext } from './context';
import { headerRequestId, MiddlewareOptions, recordRequest, UNMATCHED } from './middleware-options';

/** The parts of Nest's ExecutionContext and CallHandler used here: no runtime dependency on @nestjs/*. */
interface ExecutionContextLike {
  getType(): string;
  switchToHttp(): { getRequest(): any; getResponse(): any };
}
interface CallHandlerLike<T> {
  handle(): T;
}

const START = Symbol('vigil.start');
const ROUTE = Symbol('vigil.route');
const REQUEST = Symbol('vigil.request');
const CONTEXT = Symbol('vigil.context');
type Timed = ServerResponse & { [START]: number; [ROUTE]: string; [REQUEST]: any; [CONTEXT]?: RequestContext };

/**
 * A NestJS interceptor (Express or Fastify underneath): one event per finished
 * response. Interceptors run after guards, so requests a guard rejects are not
 * seen; with Fastify, `instrumentFastify` on the adapter's instance sees all.
 */
export class VigilInterceptor {
  private readonly onFinish: (this: Timed) => void;

  constructor(private readonly client: VigilClient, options: MiddlewareOptions<any> = {}) {
    // One listener for all requests: it reads what intercept() left on the response.
    this.onFinish = function (this: Timed) {
      const route = this[ROUTE];
      if (options.ignore?.(route)) return;
      const req = this[REQUEST];
      recordRequest(client, options, req, {
        method: req.method,
        route,
        status: this.statusCode,
        durationMs: performance.now() - this[START],
        requestId: typeof req.id === 'string' ? req.id : headerRequestId(req.raw ?? req),
        ctx: this[CONTEXT],
      });
    };
  }

  intercept<T>(context: ExecutionContextLike, next: CallHandlerLike<T>): T {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest();
    const reply = http.getResponse();
    const res: Timed = reply.raw ?? reply;
    // Express keeps the template on req.route (relative to baseUrl), Fastify on req.routeOptions.
    const route: string = req.routeOptions?.url ?? (req.route ? `${req.baseUrl ?? ''}${req.route.path}` : UNMATCHED);
    res[START] = performance.now();
    res[ROUTE] = route;
    res[REQUEST] = req;
    res.on('finish', this.onFinish);
    if (this.client.tracksQueries) {
      const raw: IncomingMessage = req.raw ?? req;
      const ctx = newContext(typeof req.id === 'string' ? req.id : headerRequestId(raw), route);
      res[CONTEXT] = ctx;
      // The handler runs in this async context from here on.
      requestContext.enterWith(ctx);
    }
    return next.handle();
  }
}

/** The Nest injection token of the client that VigilModule provides. */
export const VIGIL_CLIENT = 'VIGIL_CLIENT';

/**
 * `VigilModule.forRoot(client)` in the root module's imports: the client
 * (token VIGIL_CLIENT) for injection, and the interceptor on every route.
 * A plain dynamic module, so no Nest decorators are needed at runtime.
 */
export class VigilModule {
  static forRoot(client: VigilClient, options: MiddlewareOptions<any> = {}) {
    return {
      module: VigilModule,
      global: true,
      providers: [
        { provide: VIGIL_CLIENT, useValue: client },
        // Nest's APP_INTERCEPTOR token is this string.
        { provide: 'APP_INTERCEPTOR', useValue: new VigilInterceptor(client, options) },
      ],
      exports: [VIGIL_CLIENT],
    };
  }
}
