import { Inject, Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { ENV, Env, JobName, JobsService } from '@vigil/common';

/** The tick of a group at `now` (`2026-11-23T10:15:00.000Z`) and the job id made from it: `eval-<group>-<tick>`. */
export function evaluationTick(now: Date, group: 'thresholds' | 'trends'): { tick: string; jobId: string } {
  const step = group === 'trends' ? 3_600_000 : 60_000;
  const tick = new Date(Math.floor(now.getTime() / step) * step).toISOString();
  return { tick, jobId: `eval-${group}-${tick.slice(0, 16).replace(':', '-')}` };
}

/** On every replica: the same job id per tick, so each tick is evaluated once. */
@Injectable()
export class AlertingScheduler {
  constructor(
    private readonly jobs: JobsService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  @Cron('5 * * * * *')
  async enqueueThresholds(now = new Date()): Promise<void> {
    if (!this.env.WORKER_SCHEDULES) return;
    const { tick, jobId } = evaluationTick(now, 'thresholds');
    await this.jobs.add(JobName.EvaluateRules, { tick, group: 'thresholds' }, jobId);
  }

  /** Trend analysis, hourly: regression, seasonal and forecast rules. */
  @Cron('20 2 * * * *')
  async enqueueTrends(now = new Date()): Promise<void> {
    if (!this.env.WORKER_SCHEDULES) return;
    const { tick, jobId } = evaluationTick(now, 'trends');
    await this.jobs.add(JobName.EvaluateRules, { tick, group: 'trends' }, jobId);
  }
}
