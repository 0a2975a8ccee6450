import { Injectable } from '@nestjs/common';
import { InstantEvaluation } from '@vigil/alerting';
import { JobName } from '@vigil/common';
import { BatchWriter, IngestKind, WriteResult } from '@vigil/monitoring';
import { Job, UnrecoverableError } from 'bullmq';
import { IngestWriteMetrics } from './ingest-write.metrics';

/** The ingest queue: one bulk write per batch job. */
@Injectable()
export class IngestProcessor {
  constructor(
    private readonly writer: BatchWriter,
    private readonly metrics: IngestWriteMetrics,
    private readonly instant: InstantEvaluation,
  ) {}

  process(job: Job): Promise<WriteResult> {
    switch (job.name) {
      case JobName.WriteRequestBatch:
        return this.write('requests', job);
      case JobName.WriteQueryBatch:
        return this.write('queries', job);
      case JobName.WriteErrorBatch:
        return this.write('errors', job);
      default:
        throw new UnrecoverableError(`unknown ingest job ${job.name}`);
    }
  }

  private async write(kind: IngestKind, job: Job): Promise<WriteResult> {
    const result = await this.metrics.timeWrite(kind, () => this.writer.write(kind, job.data));
    // A redelivered batch was written (and counted) before; its age says nothing about the lag now.
    if (!result.duplicate) this.metrics.recordWritten(kind, result.written, job.data.receivedAt);
    await this.instant.afterWrite();
    return result;
  }
}
