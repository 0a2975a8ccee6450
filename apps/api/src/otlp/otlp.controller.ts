import { createHash } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ENV, Env, ValidationError } from '@vigil/common';
import { decodeProtobuf, encodeResponse, fromJson, IngestKind, mapSpans, MAX_EVENTS_PER_BATCH, PROTOBUF } from '@vigil/monitoring';
import type { FastifyReply } from 'fastify';
import { IngestKeyGuard, ProjectId } from '../auth/ingest-key.guard';
import { IngestService } from '../ingest/ingest.service';

/**
 * OTLP/HTTP trace ingest (protobuf or JSON; gzip is undone by the API's
 * request decompression before the body reaches here). Spans become the same
 * request, slow-query and error batches as the ingest API, through its
 * validation and durable enqueue. A retried export (same body) is stored once:
 * the idempotency keys derive from the body.
 */
@ApiTags('ingest')
@ApiBearerAuth()
@Controller('v1/traces')
@UseGuards(IngestKeyGuard)
export class OtlpController {
  constructor(private readonly ingest: IngestService, @Inject(ENV) private readonly env: Env) {}

  @Post()
  @HttpCode(200)
  @ApiResponse({ status: 200, description: 'ExportTraceServiceResponse; partialSuccess counts the spans that could not be used' })
  @ApiResponse({ status: 400, description: 'undecodable body; nothing stored' })
  async traces(@ProjectId() projectId: string, @Body() body: unknown, @Headers('content-type') contentType: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const protobuf = (contentType ?? '').startsWith(PROTOBUF);
    if (protobuf !== Buffer.isBuffer(body)) throw new ValidationError([{ path: 'header content-type', message: `must be ${PROTOBUF} or application/json` }]);
    const traces = protobuf ? decodeProtobuf(body as Buffer) : fromJson(body);
    const mapped = mapSpans(traces, this.env.OTLP_SLOW_QUERY_MS, Date.now());

    const digest = createHash('sha256').update(protobuf ? (body as Buffer) : JSON.stringify(body)).digest('hex');
    for (const kind of ['requests', 'queries', 'errors'] as IngestKind[]) {
      const events = mapped[kind];
      for (let i = 0; i < events.length; i += MAX_EVENTS_PER_BATCH) {
        await this.ingest.accept(kind, projectId, { events: events.slice(i, i + MAX_EVENTS_PER_BATCH) }, `otlp-${kind}-${digest}-${i}`);
      }
    }

    if (protobuf) void reply.header('content-type', PROTOBUF);
    return encodeResponse(protobuf, mapped.rejectedSpans, mapped.firstRejection);
  }
}
