import helmet from '@fastify/helmet';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Env } from '@vigil/common';

/** Management bodies are small JSON documents; only ingest needs the 5 MB of the batch contract. */
export const MANAGEMENT_MAX_BODY_BYTES = 256 * 1024;
const INGEST_ROUTE = /^\/api\/v1\/ingest\//;

/**
 * Security headers, CORS closed unless CORS_ORIGINS names origins, and a
 * smaller body limit off the ingest path. Must run before the app initialises
 * (that is when routes are registered).
 */
export async function hardenHttp(app: NestFastifyApplication, env: Env): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRoute', (route) => {
    if (!INGEST_ROUTE.test(route.url)) route.bodyLimit = Math.min(route.bodyLimit ?? Infinity, MANAGEMENT_MAX_BODY_BYTES);
  });
  // The dashboard sends its own strict CSP; Swagger UI at /docs needs inline code, and JSON needs none.
  await app.register(helmet, { contentSecurityPolicy: false });
  const origins = env.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length) {
    app.enableCors({
      origin: origins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after'],
    });
  }
}
