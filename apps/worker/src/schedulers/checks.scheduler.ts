import { Inject, Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { ENV, Env, JobName, JobsService } from '@vigil/common';

const TICK_MS = 10_000;

/** `checks-2026-11-23T10-15-20`: the same on every replica for one 10-second tick. */
export function checksTick(now: Date): { tick: string; jobId: string } {
  const tick = new Date(Math.floor(now.getTime() / TICK_MS) * TICK_MS).toISOString();
  return { tick, jobId: `checks-${tick.slice(0, 19).replace(/:/g, '-')}` };
}

/** Triggers only: the dispatch job finds the due targets and enqueues their checks. */
@Injectable()
export class ChecksScheduler {
  constructor(
    private readonly jobs: JobsService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  @Cron('*/10 * * * * *')
  async enqueueDispatch(now = new Date()): Promise<void> {
    if (!this.env.WORKER_SCHEDULES) return;
    const { tick, jobId } = checksTick(now);
    await this.jobs.add(JobName.DispatchChecks, { tick }, jobId);
  }
}
