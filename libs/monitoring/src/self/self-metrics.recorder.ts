import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ENV, Env, ErrorEvent, JobName, JobsService, QueryEvent, RequestEvent, withTimeout } from '@vigil/common';
import { SELF_PROJECT_ID } from '../entities/project.entity';

export const SELF_SERVICE = Symbol('SELF_SERVICE');
const FLUSH_AT = 1000;

/**
 * vigil's own requests and slow queries, buffered in memory and handed to the
 * ingest queue as batches: one enqueue per interval, never a write per request.
 * Best effort by design: when the buffer is full or Redis is away, events are
 * dropped and counted rather than slowing the app down.
 */
@Injectable()
export class SelfMetricsRecorder implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(SelfMetricsRecorder.name);
  private requests: RequestEvent[] = [];
  private queries: QueryEvent[] = [];
  /** vigil's own error events (a breaker changing state): few, so kept until a flush gets them through. */
  private errors: ErrorEvent[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  dropped = 0;

  constructor(
    private readonly jobs: JobsService,
    @Inject(ENV) private readonly env: Env,
    @Inject(SELF_SERVICE) readonly service: string,
  ) {}

  get enabled(): boolean {
    return this.env.SELF_INSTRUMENTATION;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.flush(), this.env.SELF_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  recordRequest(event: Omit<RequestEvent, 'service' | 'timestamp'>): void {
    if (!this.enabled) return;
    if (this.requests.length + this.queries.length >= this.env.SELF_BUFFER_MAX) {
      this.dropped++;
      return;
    }
    this.requests.push({ timestamp: Date.now(), service: this.service, ...event });
    if (this.requests.length >= FLUSH_AT) void this.flush();
  }

  recordSlowQuery(query: string, durationMs: number): void {
    if (!this.enabled) return;
    if (this.requests.length + this.queries.length >= this.env.SELF_BUFFER_MAX) {
      this.dropped++;
      return;
    }
    this.queries.push({ timestamp: Date.now(), service: this.service, query, durationMs });
  }

  recordError(event: Omit<ErrorEvent, 'service' | 'timestamp'>): void {
    if (!this.enabled || this.errors.length >= FLUSH_AT) return void this.dropped++;
    this.errors.push({ timestamp: Date.now(), service: this.service, ...event });
  }

  /** Hands everything buffered to the queue; concurrent callers share one flush. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.requests.length && !this.queries.length && !this.errors.length) return;
    this.flushing = this.send().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async send(): Promise<void> {
    const requests = this.requests;
    const queries = this.queries;
    const errors = this.errors;
    this.requests = [];
    this.queries = [];
    this.errors = [];
    const receivedAt = Date.now();
    const sends: Array<[JobName.WriteRequestBatch | JobName.WriteQueryBatch | JobName.WriteErrorBatch, RequestEvent[] | QueryEvent[] | ErrorEvent[]]> = [
      [JobName.WriteRequestBatch, requests],
      [JobName.WriteQueryBatch, queries],
      [JobName.WriteErrorBatch, errors],
    ];
    for (const [job, events] of sends) {
      if (!events.length) continue;
      const batchId = randomUUID();
      try {
        const added = this.jobs.add(job, { batchId, projectId: SELF_PROJECT_ID, receivedAt, events } as never, batchId);
        await withTimeout(added, this.env.INGEST_ENQUEUE_TIMEOUT_MS, 'self-metrics enqueue');
      } catch (error) {
        if (job === JobName.WriteErrorBatch) {
          this.errors.unshift(...(events as ErrorEvent[]));
          continue;
        }
        this.dropped += events.length;
        this.logger.warn({ err: (error as Error).message, dropped: events.length }, 'self-metrics flush failed');
      }
    }
  }
}
