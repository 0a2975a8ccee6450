import { Injectable } from '@nestjs/common';
import { RuleEvaluator, TickResult } from '@vigil/alerting';
import { JobName, JobsService } from '@vigil/common';
import { Job, UnrecoverableError } from 'bullmq';

/** The alerting queue: one evaluation per tick; what it decided to announce goes straight to routing. */
@Injectable()
export class AlertingProcessor {
  constructor(
    private readonly evaluator: RuleEvaluator,
    private readonly jobs: JobsService,
  ) {}

  async process(job: Job): Promise<TickResult> {
    switch (job.name) {
      case JobName.EvaluateRules: {
        const result = await this.evaluator.evaluateTick(job.data.tick, job.data.group ?? 'thresholds');
        if (result.notified.length) await this.jobs.add(JobName.RouteNotifications, {}, `route-${result.notified[0]}`);
        return result;
      }
      default:
        throw new UnrecoverableError(`unknown alerting job ${job.name}`);
    }
  }
}
