import { Inject, Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { ENV, Env, JobName, JobsService } from '@vigil/common';

/** Every 10 s on every replica, one sweep per tick (same job id): the safety net under the notify queue. */
@Injectable()
export class NotifyScheduler {
  constructor(
    private readonly jobs: JobsService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  @Cron('*/10 * * * * *')
  async enqueueSweep(now = new Date()): Promise<void> {
    if (!this.env.WORKER_SCHEDULES) return;
    const tick = new Date(Math.floor(now.getTime() / 10_000) * 10_000).toISOString();
    await this.jobs.add(JobName.SweepNotifications, { tick }, `notify-sweep-${tick.slice(0, 19).replace(/:/g, '-')}`);
  }
}
