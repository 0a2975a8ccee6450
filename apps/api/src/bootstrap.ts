import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createHttpApp, ENV, Env, isProbeOrScrape, requireAdminToken, ValidationError, VigilConfigOptions } from '@vigil/common';
import { instrumentFastify } from '@vigil/client';
import { PROTOBUF, SelfMetricsRecorder } from '@vigil/monitoring';
import fastifyCompress from '@fastify/compress';
import { ApiModule } from './api.module';
import type { CacheTally } from './cache/query-cache';
import { hardenHttp } from './limits/http-hardening';

/** The ingest contract: a batch body is at most 5 MB. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Builds the API (not yet listening): used by main.ts and by the e2e tests. */
export async function createApi(config: VigilConfigOptions = {}): Promise<NestFastifyApplication> {
  const app = await createHttpApp(ApiModule.forRoot(config), { bodyLimit: MAX_BODY_BYTES });
  await hardenHttp(app, requireAdminToken(app.get<Env>(ENV)));
  await acceptCompressedBodies(app);
  publishDocs(app);
  instrumentRequests(app, app.get(SelfMetricsRecorder));
  return app;
}

/**
 * gzip/deflate request bodies (clients and OTLP exporters compress batches)
 * are inflated once, before any parser, and still held to the body limit.
 * OTLP protobuf arrives as a raw buffer for its controller to decode.
 */
async function acceptCompressedBodies(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyCompress, {
    globalCompression: false,
    requestEncodings: ['gzip', 'deflate'],
    onUnsupportedRequestEncoding: (encoding) =>
      new ValidationError([{ path: 'header content-encoding', message: `${encoding} is not supported: use gzip or deflate` }]),
    // Merged into the zlib error by the plugin, so only its fields survive: a 400 that names the body.
    onInvalidRequestPayload: (encoding) => ({ name: 'BadRequest', statusCode: 400, message: `body is not valid ${encoding} data` }) as Error,
  });
  app.getHttpAdapter().getInstance().addContentTypeParser(PROTOBUF, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** OpenAPI at `/docs` (UI) and `/docs-json`. */
function publishDocs(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('vigil')
    .setDescription('Ingest (project API key) and management (admin token) API. Errors: { error: { code, message, errorId, requestId, details? } }.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
}

/**
 * vigil's own requests, through the client package's Fastify hooks: route
 * template, status and duration after the response is sent. The final flush
 * runs when Fastify closes, after in-flight requests finished and before the
 * queues are closed.
 */
function instrumentRequests(app: NestFastifyApplication, recorder: SelfMetricsRecorder): void {
  if (!recorder.enabled) return;
  instrumentFastify(app.getHttpAdapter().getInstance(), recorder.client, {
    ignore: isProbeOrScrape,
    fields: (request) => (request as { cacheTally?: CacheTally }).cacheTally,
  });
}
