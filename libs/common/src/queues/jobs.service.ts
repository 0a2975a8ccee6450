import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobName, JobPayload, QUEUE_OF, QueueName } from './job-payloads';

/** The job states vigil reports per queue (metrics). */
export const JOB_COUNT_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type JobCountState = (typeof JOB_COUNT_STATES)[number];

/**
 * The one enqueue path. Callers name a job and give its typed payload; the job
 * id is theirs to choose so that a retried add is deduplicated by BullMQ.
 */
@Injectable()
export class JobsService {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.Ingest) ingest: Queue,
    @InjectQueue(QueueName.Maintenance) maintenance: Queue,
    @InjectQueue(QueueName.Alerting) alerting: Queue,
    @InjectQueue(QueueName.Notify) notify: Queue,
    @InjectQueue(QueueName.Checks) checks: Queue,
  ) {
    this.queues = {
      [QueueName.Ingest]: ingest,
      [QueueName.Maintenance]: maintenance,
      [QueueName.Alerting]: alerting,
      [QueueName.Notify]: notify,
      [QueueName.Checks]: checks,
    };
  }

  /** `delayMs`: not before then (a group's flush time). */
  async add<N extends JobName>(name: N, payload: JobPayload[N], jobId: string, delayMs = 0): Promise<void> {
    await this.queues[QUEUE_OF[name]].add(name, payload, { jobId, delay: Math.max(0, Math.round(delayMs)) });
  }

  /** Many jobs of one kind in one round trip (a storm's group flushes, a group's deliveries). */
  async addMany<N extends JobName>(name: N, jobs: Array<{ payload: JobPayload[N]; jobId: string; delayMs?: number }>): Promise<void> {
    if (!jobs.length) return;
    await this.queues[QUEUE_OF[name]].addBulk(
      jobs.map((job) => ({ name, data: job.payload, opts: { jobId: job.jobId, delay: Math.max(0, Math.round(job.delayMs ?? 0)) } })),
    );
  }

  /** The state of a job by id: `unknown` when Redis no longer has it. */
  state(name: JobName, jobId: string): Promise<string> {
    return this.queues[QUEUE_OF[name]].getJobState(jobId);
  }

  /** Jobs accepted but not yet processed, for readiness. */
  async backlog(queue: QueueName): Promise<number> {
    return this.queues[queue].getJobCountByTypes('waiting', 'delayed', 'prioritized', 'active');
  }

  /** Jobs per state, for metrics. */
  async counts(queue: QueueName): Promise<Record<JobCountState, number>> {
    return (await this.queues[queue].getJobCounts(...JOB_COUNT_STATES)) as Record<JobCountState, number>;
  }
}
