import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { ENV, Env, JobName, JobsService } from '@vigil/common';

/** `2026-11-23T17`: one id per hour, the same on every replica. */
export function hourTick(now: Date): string {
  return now.toISOString().slice(0, 13);
}

/**
 * Triggers only: every replica's cron adds the same job id for the tick, so
 * BullMQ keeps one and the work is done once.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: JobsService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  /** Partitions at boot even where schedules are off: the writer needs them either way. */
  async onApplicationBootstrap(): Promise<void> {
    await this.addPartitionsJob(new Date());
  }

  @Cron('5 * * * *')
  async enqueuePartitions(now = new Date()): Promise<void> {
    if (this.env.WORKER_SCHEDULES) await this.addPartitionsJob(now);
  }

  private addPartitionsJob(now: Date): Promise<void> {
    return this.jobs.add(JobName.EnsurePartitions, {}, `partitions-${hourTick(now)}`);
  }

  @Cron('17 3 * * *')
  async enqueueCleanup(now = new Date()): Promise<void> {
    if (!this.env.WORKER_SCHEDULES) return;
    await this.jobs.add(JobName.Cleanup, {}, `cleanup-${now.toISOString().slice(0, 10)}`);
  }
}
