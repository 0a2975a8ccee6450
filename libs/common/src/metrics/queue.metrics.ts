import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { ENV } from '../config/config.module';
import { Env } from '../config/env.schema';
import { QueueName } from '../queues/job-payloads';
import { JOB_COUNT_STATES, JobsService } from '../queues/jobs.service';
import { withTimeout } from '../util/with-timeout';

const QUEUES = Object.values(QueueName);

/** `vigil_queue_jobs{queue,state}`, counted in Redis at scrape time. */
@Injectable()
export class QueueMetrics {
  private readonly logger = new Logger(QueueMetrics.name);
  private readonly gauge: Gauge<'queue' | 'state'>;

  constructor(
    registry: Registry,
    private readonly jobs: JobsService,
    @Inject(ENV) private readonly env: Env,
  ) {
    this.gauge = new Gauge({
      name: 'vigil_queue_jobs',
      help: 'BullMQ jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      collect: () => this.collect(),
    });
  }

  /** Without Redis the series are left out rather than stale, and the rest of the scrape still answers. */
  private async collect(): Promise<void> {
    this.gauge.reset();
    try {
      // The worker's connection waits for Redis indefinitely; a scrape must not.
      const counts = await withTimeout(Promise.all(QUEUES.map((queue) => this.jobs.counts(queue))), this.env.HEALTH_TIMEOUT_MS, 'queue counts');
      QUEUES.forEach((queue, i) => {
        for (const state of JOB_COUNT_STATES) this.gauge.set({ queue, state }, counts[i][state]);
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'queue counts unavailable for /metrics');
    }
  }
}
