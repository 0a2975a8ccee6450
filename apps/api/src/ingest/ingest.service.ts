import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BreakerOpenError, BreakerRegistry } from '@vigil/breakers';
import {
  ENV,
  Env,
  IdempotencyKeyReusedError,
  JobName,
  JobsService,
  packBatch,
  REDIS,
  redisKey,
  ServiceUnavailableError,
  ValidationError,
} from '@vigil/common';
import { IngestKind, parseBatch } from '@vigil/monitoring';
import Redis from 'ioredis';
import { Counter, Registry } from 'prom-client';

export interface Accepted {
  batchId: string;
  accepted: number;
}

const JOB_OF: Record<IngestKind, JobName.WriteRequestBatch | JobName.WriteQueryBatch | JobName.WriteErrorBatch> = {
  requests: JobName.WriteRequestBatch,
  queries: JobName.WriteQueryBatch,
  errors: JobName.WriteErrorBatch,
};

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Accepts a batch: validates it, makes it durable as one BullMQ job whose id is
 * the batch id, and only then answers. With an Idempotency-Key the batch id is
 * derived from (project, kind, key), so a retry yields the same job and the
 * same ledger row even after the 24 h answer record has expired.
 */
@Injectable()
export class IngestService {
  private readonly ingested: Counter<'kind'>;

  constructor(
    private readonly jobs: JobsService,
    private readonly breakers: BreakerRegistry,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(ENV) private readonly env: Env,
    registry: Registry,
  ) {
    this.ingested = new Counter({
      name: 'vigil_events_ingested_total',
      help: 'Events accepted (durably queued) by the API; replayed idempotent answers not counted',
      labelNames: ['kind'],
      registers: [registry],
    });
  }

  async accept(kind: IngestKind, projectId: string, body: unknown, idempotencyKey?: string): Promise<Accepted & { replayed: boolean }> {
    const answerKey = idempotencyKey === undefined ? undefined : this.answerKey(projectId, idempotencyKey);
    if (answerKey) {
      const previous = await this.redisCall(() => this.redis.get(answerKey));
      if (previous) {
        const answer = JSON.parse(previous) as Accepted & { kind: IngestKind };
        if (answer.kind !== kind) {
          throw new IdempotencyKeyReusedError(`Idempotency-Key was already used for /ingest/${answer.kind}`);
        }
        return { batchId: answer.batchId, accepted: answer.accepted, replayed: true };
      }
    }

    const receivedAt = Date.now();
    const events = parseBatch(kind, body, receivedAt);
    const batchId = idempotencyKey === undefined ? randomUUID() : batchIdFor(projectId, kind, idempotencyKey);
    const payload = packBatch({ batchId, projectId, receivedAt, events });
    await this.redisCall(() => this.jobs.add(JOB_OF[kind], payload, batchId));
    this.ingested.inc({ kind }, events.length);

    const answer: Accepted = { batchId, accepted: events.length };
    if (answerKey) {
      // The job is durable already; losing this record only costs a deduplicated re-enqueue.
      await this.redis
        .set(answerKey, JSON.stringify({ ...answer, kind }), 'EX', this.env.IDEMPOTENCY_TTL_SECONDS, 'NX')
        .catch(() => undefined);
    }
    return { ...answer, replayed: false };
  }

  private answerKey(projectId: string, key: string): string {
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationError([{ path: 'header Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }]);
    }
    return redisKey(this.env, 'idem', projectId, createHash('sha256').update(key).digest('hex'));
  }

  /** Redis calls on the write path: unavailable or slow Redis becomes 503 with Retry-After. */
  private async redisCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.breakers.redis.run(call);
    } catch (error) {
      const retryAfterMs = error instanceof BreakerOpenError ? error.retryAfterMs : 5000;
      throw new ServiceUnavailableError('ingest queue unavailable; nothing was stored, retry later', retryAfterMs / 1000);
    }
  }
}

/** A UUID-shaped id derived from the idempotency key (no ':' and never all digits, as BullMQ needs). */
export function batchIdFor(projectId: string, kind: IngestKind, key: string): string {
  const h = createHash('sha256').update(`${projectId}\n${kind}\n${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
