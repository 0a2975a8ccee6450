import { Injectable } from '@nestjs/common';
import { RuleEvaluator, TickResult } from '@vigil/alerting';
import { JobName } from '@vigil/common';
import { Job, UnrecoverableError } from 'bullmq';

/** The alerting queue: one evaluation per tick. */
@Injectable()
export class AlertingProcessor {
  constructor(private readonly evaluator: RuleEvaluator) {}

  process(job: Job): Promise<TickResult> {
    switch (job.name) {
      case JobName.EvaluateRules:
        return this.evaluator.evaluateTick(job.data.tick, job.data.group ?? 'thresholds');
      default:
        throw new UnrecoverableError(`unknown alerting job ${job.name}`);
    }
  }
}
