import { Injectable } from '@nestjs/common';
import { RuleEvaluator, TickResult } from '@vigil/alerting';
import { BreakerRegistry } from '@vigil/breakers';
import { JobName, JobsService } from '@vigil/common';
import { Job, UnrecoverableError } from 'bullmq';
import { delayWhileOpen } from './delay-while-open';

/** The alerting queue: one evaluation per tick; what it decided to announce goes straight to routing. */
@Injectable()
export class AlertingProcessor {
  constructor(
    private readonly evaluator: RuleEvaluator,
    private readonly jobs: JobsService,
    private readonly breakers: BreakerRegistry,
  ) {}

  async process(job: Job, token?: string): Promise<TickResult> {
    switch (job.name) {
      case JobName.EvaluateRules: {
        // A storm can fire thousands of alerts in one tick, longer than the breaker's timeout allows.
        const evaluate = async () => {
          this.breakers.database.ensureClosed();
          return this.evaluator.evaluateTick(job.data.tick, job.data.group ?? 'thresholds');
        };
        const result = await delayWhileOpen(job, token, evaluate);
        if (result.notified.length) await this.jobs.add(JobName.RouteNotifications, {}, `route-${result.notified[0]}`);
        return result;
      }
      default:
        throw new UnrecoverableError(`unknown alerting job ${job.name}`);
    }
  }
}
