import type { IncomingMessage } from 'node:http';
import type { VigilClient } from './client';
import { newContext, RequestContext, requestContext } from './context';
import { MiddlewareOptions, recordRequest, UNMATCHED } from './middleware-options';

/** The parts of Fastify the plugin uses (kept structural: no runtime dependency on fastify). */
export interface FastifyRequestLike {
  id: string;
  method: string;
  raw: IncomingMessage;
  routeOptions: { url?: string };
}
export interface FastifyReplyLike {
  statusCode: number;
  elapsedTime: number;
}
type Done = (err?: Error) => void;
export interface FastifyLike {
  addHook(name: 'onRequest' | 'preHandler' | 'onResponse', hook: (request: any, reply: any, done: Done) => void): unknown;
  addHook(name: 'onError', hook: (request: any, reply: any, error: Error, done: Done) => void): unknown;
  addHook(name: 'onClose', hook: (instance: any) => Promise<void>): unknown;
}

const CONTEXT = Symbol('vigil.context');
type WithContext = FastifyRequestLike & { [CONTEXT]?: RequestContext };

export interface FastifyOptions extends MiddlewareOptions<FastifyRequestLike> {
  /** Flush when Fastify closes (default true). */
  flushOnClose?: boolean;
}

/**
 * Adds vigil's hooks to a Fastify instance: one request event per response
 * (route template from Fastify's router, Fastify's own elapsed time), errors
 * reported, a flush on close. `vigilFastify` is the same as a plugin.
 */
export function instrumentFastify(fastify: FastifyLike, client: VigilClient, options: FastifyOptions = {}): void {
  if (client.tracksQueries) {
    fastify.addHook('onRequest', (request: WithContext, _reply, done) => {
      request[CONTEXT] = newContext(request.id, request.routeOptions.url);
      done();
    });
    // Body parsing leaves the request's async context; the handler runs inside this one.
    fastify.addHook('preHandler', (request: WithContext, _reply, done) => {
      const ctx = request[CONTEXT];
      if (ctx) requestContext.run(ctx, done);
      else done();
    });
  }
  fastify.addHook('onResponse', (request: WithContext, reply: FastifyReplyLike, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    if (!options.ignore?.(route)) {
      recordRequest(client, options, request, {
        method: request.method,
        route,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
        requestId: request.id,
        ctx: request[CONTEXT],
      });
    }
    done();
  });
  // onError runs before Fastify sets the status: the error's own statusCode (else 500) says whether it is ours.
  fastify.addHook('onError', (request: FastifyRequestLike, _reply, error: Error & { statusCode?: number }, done) => {
    if ((error.statusCode ?? 500) >= 500) client.captureError(error, { requestId: request.id });
    done();
  });
  if (options.flushOnClose !== false) fastify.addHook('onClose', () => client.close());
}

/** `fastify.register(vigilFastify(client))`: hooks on the root instance (not encapsulated). */
export function vigilFastify(client: VigilClient, options: FastifyOptions = {}) {
  const plugin = (fastify: FastifyLike, _opts: unknown, done: Done) => {
    instrumentFastify(fastify, client, options);
    done();
  };
  // What fastify-plugin does: hooks apply to every route, not just a child context.
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'vigil' });
}
