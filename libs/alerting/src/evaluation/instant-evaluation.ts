import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ENV, Env, JobName, JobsService } from '@vigil/common';
import { DataSource } from 'typeorm';

/**
 * After a batch is written, an evaluation of the `forEvaluations: 0` rules at
 * the next INSTANT_EVALUATION_MS boundary: one job per boundary across all
 * workers (deterministic id), so a breach is seen within that interval
 * instead of at the next minute tick.
 */
@Injectable()
export class InstantEvaluation {
  private lastTick = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: JobsService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async afterWrite(now = Date.now()): Promise<void> {
    const step = this.env.INSTANT_EVALUATION_MS;
    const tick = Math.ceil(now / step) * step;
    // Asked on every write until such a rule exists (a cached "no" would miss the breach that
    // follows a rule's creation), then at most once per boundary.
    if (tick === this.lastTick || !(await this.instantRulesExist())) return;
    this.lastTick = tick;
    const at = new Date(tick).toISOString();
    await this.jobs.add(JobName.EvaluateRules, { tick: at, group: 'instant' }, `eval-instant-${tick}`, tick - now);
  }

  private async instantRulesExist(): Promise<boolean> {
    const [row] = await this.db.query(`SELECT EXISTS (SELECT 1 FROM alert_rules WHERE enabled AND for_evaluations = 0) AS "exists"`);
    return row.exists;
  }
}
