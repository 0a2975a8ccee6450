import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ENV, Env, QueueName, QueueWorkers } from '@vigil/common';
import { AlertingProcessor } from './processors/alerting.processor';
import { ChecksProcessor } from './processors/checks.processor';
import { IngestProcessor } from './processors/ingest.processor';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { NotifyProcessor } from './processors/notify.processor';

/**
 * Consumers start after the whole app is initialised and stop before the
 * database and queues close, so an active job can finish its write.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly workers: QueueWorkers,
    private readonly ingest: IngestProcessor,
    private readonly maintenance: MaintenanceProcessor,
    private readonly alerting: AlertingProcessor,
    private readonly notify: NotifyProcessor,
    private readonly checks: ChecksProcessor,
    @Inject(ENV) private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    this.workers.start(QueueName.Ingest, (job, token) => this.ingest.process(job, token), this.env.INGEST_CONCURRENCY);
    this.workers.start(QueueName.Maintenance, (job) => this.maintenance.process(job), 1);
    this.workers.start(QueueName.Alerting, (job, token) => this.alerting.process(job, token), 1);
    this.workers.start(QueueName.Notify, (job, token) => this.notify.process(job, token), this.env.NOTIFY_CONCURRENCY);
    // Checks mostly wait on the network: several at once.
    this.workers.start(QueueName.Checks, (job, token) => this.checks.process(job, token), 8);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.workers.stopAll();
  }
}
