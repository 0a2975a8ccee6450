import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { ENV } from '../config/config.module';
import { Env } from '../config/env.schema';
import { redisOptions } from '../redis/redis-options';
import { withTimeout } from '../util/with-timeout';
import { backoffStrategy } from './backoff';
import { QueueName } from './job-payloads';

export type JobHandler = (job: Job, token?: string) => Promise<unknown>;

/**
 * Starts BullMQ consumers with vigil's settings (lock and stall timings,
 * backoff) and stops them on shutdown: active jobs get SHUTDOWN_TIMEOUT_MS to
 * finish; a job cut off later is picked up again as stalled, and its handler
 * is idempotent.
 */
@Injectable()
export class QueueWorkers {
  private readonly logger = new Logger('Workers');
  private readonly workers: Worker[] = [];

  constructor(@Inject(ENV) private readonly env: Env) {}

  start(queue: QueueName, handler: JobHandler, concurrency: number): Worker {
    const worker = new Worker(queue, handler, {
      connection: { ...redisOptions(this.env), maxRetriesPerRequest: null },
      prefix: this.env.REDIS_KEY_PREFIX,
      concurrency,
      lockDuration: this.env.WORKER_LOCK_DURATION_MS,
      stalledInterval: this.env.WORKER_STALLED_INTERVAL_MS,
      settings: { backoffStrategy: backoffStrategy({ baseMs: this.env.NOTIFY_BACKOFF_BASE_MS, capMs: this.env.NOTIFY_BACKOFF_MAX_MS }) },
    });
    worker.on('failed', (job, error) =>
      this.logger.warn({ queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: error.message }, 'job failed'),
    );
    worker.on('error', (error) => this.logger.error({ queue, err: error.message }, 'worker error'));
    this.workers.push(worker);
    return worker;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        try {
          await withTimeout(worker.close(), this.env.SHUTDOWN_TIMEOUT_MS, `closing ${worker.name} worker`);
        } catch (error) {
          this.logger.warn({ queue: worker.name, err: (error as Error).message }, 'forcing worker close');
          await worker.close(true);
        }
      }),
    );
    this.workers.length = 0;
  }
}
