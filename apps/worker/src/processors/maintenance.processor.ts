import { Inject, Injectable } from '@nestjs/common';
import { ENV, Env, JobName } from '@vigil/common';
import { MAX_AGE_MS, PartitionManager, RetentionPolicy, RetentionService } from '@vigil/monitoring';
import { Job, UnrecoverableError } from 'bullmq';

export function retentionPolicy(env: Env): RetentionPolicy {
  return {
    rawDays: env.METRICS_RETENTION_DAYS,
    rollupDays: env.ROLLUP_RETENTION_DAYS,
    partitionDaysAhead: env.PARTITION_DAYS_AHEAD,
  };
}

/** The maintenance queue: partitions ahead, and retention. */
@Injectable()
export class MaintenanceProcessor {
  constructor(
    private readonly partitions: PartitionManager,
    private readonly retention: RetentionService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case JobName.EnsurePartitions: {
        // Back as far as an accepted event may be old, ahead as configured.
        const daysBack = Math.ceil(MAX_AGE_MS / 86_400_000);
        const created = await this.partitions.ensureRange(Date.now(), daysBack, this.env.PARTITION_DAYS_AHEAD);
        return { created };
      }
      case JobName.Cleanup:
        return this.retention.cleanup(retentionPolicy(this.env));
      default:
        throw new UnrecoverableError(`unknown maintenance job ${job.name}`);
    }
  }
}
