import { Inject, Injectable, Logger } from '@nestjs/common';
import { BreakerRegistry } from '@vigil/breakers';
import { ENV, Env, JobName, JobsService, NotFoundError } from '@vigil/common';
import { ServiceTargetsService } from '@vigil/monitoring';
import { Job, UnrecoverableError } from 'bullmq';
import { probe } from '../checks/probes';
import { delayWhileOpen } from './delay-while-open';

/** The start of the interval of `everyMs` that contains `at`: one check per target per slot. */
export function slotOf(at: number, everyMs: number): number {
  return Math.floor(at / everyMs) * everyMs;
}

/** The checks queue: dispatching each tick's due checks, and running one check. */
@Injectable()
export class ChecksProcessor {
  private readonly logger = new Logger('Checks');

  constructor(
    private readonly targets: ServiceTargetsService,
    private readonly jobs: JobsService,
    private readonly breakers: BreakerRegistry,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async process(job: Job, token?: string): Promise<unknown> {
    switch (job.name) {
      case JobName.DispatchChecks:
        return this.dispatch(Date.parse(job.data.tick));
      case JobName.RunCheck:
        return delayWhileOpen(job, token, () => this.check(job.data.targetId));
      default:
        throw new UnrecoverableError(`unknown checks job ${job.name}`);
    }
  }

  /** One job per target and interval slot: a replayed or concurrent dispatch adds nothing new. */
  private async dispatch(at: number): Promise<{ enqueued: number }> {
    const targets = await this.breakers.database.run(() => this.targets.enabledTargets());
    for (const { id, intervalSeconds } of targets) {
      const slot = slotOf(at, intervalSeconds * 1000);
      await this.jobs.add(JobName.RunCheck, { targetId: id, slot }, `check-${id}-${slot}`);
    }
    return { enqueued: targets.length };
  }

  private async check(targetId: string) {
    let target;
    try {
      target = await this.breakers.database.run(() => this.targets.row(targetId));
    } catch (error) {
      if (error instanceof NotFoundError) return { skipped: 'deleted' };
      throw error;
    }
    if (!target.enabled) return { skipped: 'disabled' };
    const result = await probe(target, { env: this.env, breakerFor: (url) => this.breakers.forOrigin(url) });
    const recorded = await this.breakers.database.run(() => this.targets.record(targetId, result, new Date()));
    if (recorded?.changed) {
      const log = { target: recorded.name, from: recorded.from, to: recorded.to, error: result.error };
      if (recorded.to === 'down') this.logger.warn(log, 'service target down');
      else this.logger.log(log, 'service target status changed');
    }
    return result;
  }
}
