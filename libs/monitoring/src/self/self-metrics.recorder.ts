import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { createVigil, EventKind, Transport, VigilClient } from '@vigil/client';
import { ENV, Env, JobName, JobsService, packBatch, withTimeout } from '@vigil/common';
import { SELF_PROJECT_ID } from '../entities/project.entity';

export const SELF_SERVICE = Symbol('SELF_SERVICE');

const JOB_OF: Record<EventKind, JobName.WriteRequestBatch | JobName.WriteQueryBatch | JobName.WriteErrorBatch> = {
  requests: JobName.WriteRequestBatch,
  queries: JobName.WriteQueryBatch,
  errors: JobName.WriteErrorBatch,
};

/**
 * vigil monitoring itself with the same client applications use (@vigil/client):
 * its buffer, batching and drop counting, but batches go straight onto the
 * ingest queue instead of over HTTP to itself. Best effort by design: when
 * the buffer is full or Redis is away, events are dropped and counted.
 */
@Injectable()
export class SelfMetricsRecorder implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SelfMetricsRecorder.name);
  readonly client: VigilClient;

  constructor(jobs: JobsService, @Inject(ENV) env: Env, @Inject(SELF_SERVICE) service: string) {
    const transport: Transport = {
      async send(kind, events) {
        const batchId = randomUUID();
        const payload = packBatch({ batchId, projectId: SELF_PROJECT_ID, receivedAt: Date.now(), events });
        await withTimeout(jobs.add(JOB_OF[kind], payload, batchId), env.INGEST_ENQUEUE_TIMEOUT_MS, 'self-metrics enqueue');
      },
    };
    this.client = createVigil({
      service,
      transport,
      enabled: env.SELF_INSTRUMENTATION,
      batchSize: 1000,
      flushIntervalMs: env.SELF_FLUSH_INTERVAL_MS,
      maxBuffer: env.SELF_BUFFER_MAX,
      slowQueryMs: env.SLOW_QUERY_THRESHOLD_MS,
      onError: (error, lost) => this.logger.warn({ err: error.message, dropped: lost }, 'self-metrics flush failed'),
    });
  }

  get enabled(): boolean {
    return this.client.enabled;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.client.flush();
  }
}
