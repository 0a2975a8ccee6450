import { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { Logger } from 'nestjs-pino';
import { ENV } from '../config/config.module';
import { Env } from '../config/env.schema';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { requestIdFor } from '../logging/logging.module';

export interface HttpAppOptions {
  bodyLimit: number;
}

/**
 * Both apps serve HTTP the same way: Fastify, one request id end to end, JSON
 * errors for everything (including Fastify's own body-parser errors), pino
 * logs and graceful shutdown on SIGTERM.
 */
export async function createHttpApp(module: Type | DynamicModule, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit,
    genReqId: requestIdFor,
    // Answer keep-alive clients' idle sockets at close so that shutdown is not held open.
    forceCloseConnections: 'idle',
    // A request that reached a kept-alive socket as shutdown began is served (with Connection: close):
    // queues and database close only after the server, and Fastify's own 503 would have neither our error shape nor Retry-After.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  boundConnectionDrain(fastify, app.get<Env>(ENV).SHUTDOWN_TIMEOUT_MS, app.get(Logger));
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  return app;
}

/**
 * At close Fastify drops idle keep-alive sockets, but a connection with a request
 * still in flight (a slow upload, a client that stopped sending) would hold the
 * server open for ever. In-flight requests get SHUTDOWN_TIMEOUT_MS to finish;
 * then what is left is cut, so shutdown fits the orchestrator's grace period.
 */
function boundConnectionDrain(fastify: FastifyInstance, timeoutMs: number, logger: Logger): void {
  fastify.addHook('preClose', (done) => {
    const server = fastify.server;
    const cut = setTimeout(() => {
      server.getConnections((_, open) => logger.warn({ open, timeoutMs }, 'cutting connections still open at the end of the shutdown timeout'));
      server.closeAllConnections();
    }, timeoutMs);
    server.once('close', () => clearTimeout(cut));
    done();
  });
}
