import { applyDecorators, Body, Controller, Headers, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import { batchSchemas, IngestKind } from '@vigil/monitoring';
import type { FastifyReply } from 'fastify';
import { IngestKeyGuard, ProjectId } from '../auth/ingest-key.guard';
import { Accepted, IngestService } from './ingest.service';

const Documented = (kind: IngestKind) => applyDecorators(
  ApiBody({ schema: batchSchemas[kind] }),
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'a retry with the same key (per project, 24 h) gets the first answer and stores nothing new' }),
  ApiResponse({ status: 202, description: '{ batchId, accepted }: durably queued' }),
  ApiResponse({ status: 400, description: 'a bad event; the body names the field; nothing stored' }),
  ApiResponse({ status: 401, description: 'missing, unknown or revoked key' }),
  ApiResponse({ status: 503, description: 'queue unavailable; nothing stored; see Retry-After' }),
);

/** Batches of 1-10,000 events, answered 202 once durably queued. */
@ApiTags('ingest')
@ApiBearerAuth()
@Controller('api/v1/ingest')
@UseGuards(IngestKeyGuard)
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post('requests')
  @HttpCode(202)
  @Documented('requests')
  requests(@ProjectId() projectId: string, @Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.accept('requests', projectId, body, key, reply);
  }

  @Post('queries')
  @HttpCode(202)
  @Documented('queries')
  queries(@ProjectId() projectId: string, @Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.accept('queries', projectId, body, key, reply);
  }

  @Post('errors')
  @HttpCode(202)
  @Documented('errors')
  errors(@ProjectId() projectId: string, @Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.accept('errors', projectId, body, key, reply);
  }

  private async accept(kind: IngestKind, projectId: string, body: unknown, key: string | undefined, reply: FastifyReply): Promise<Accepted> {
    const { replayed, ...answer } = await this.ingest.accept(kind, projectId, body, key);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return answer;
  }
}
