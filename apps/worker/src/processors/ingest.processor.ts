import { Injectable } from '@nestjs/common';
import { InstantEvaluation } from '@vigil/alerting';
import { BreakerRegistry } from '@vigil/breakers';
import { JobName, unpackBatch } from '@vigil/common';
import { BatchWriter, EventOf, IngestKind, WriteResult } from '@vigil/monitoring';
import { Job, UnrecoverableError } from 'bullmq';
import { delayWhileOpen } from './delay-while-open';
import { IngestWriteMetrics } from './ingest-write.metrics';

/** The ingest queue: one bulk write per batch job. */
@Injectable()
export class IngestProcessor {
  constructor(
    private readonly writer: BatchWriter,
    private readonly metrics: IngestWriteMetrics,
    private readonly instant: InstantEvaluation,
    private readonly breakers: BreakerRegistry,
  ) {}

  process(job: Job, token?: string): Promise<WriteResult> {
    switch (job.name) {
      case JobName.WriteRequestBatch:
        return this.write('requests', job, token);
      case JobName.WriteQueryBatch:
        return this.write('queries', job, token);
      case JobName.WriteErrorBatch:
        return this.write('errors', job, token);
      default:
        throw new UnrecoverableError(`unknown ingest job ${job.name}`);
    }
  }

  private async write(kind: IngestKind, job: Job, token?: string): Promise<WriteResult> {
    const batch = unpackBatch<EventOf[typeof kind]>(job.data);
    const write = () => this.breakers.database.run(() => this.writer.write(kind, batch));
    const result = await this.metrics.timeWrite(kind, () => delayWhileOpen(job, token, write));
    // A redelivered batch was written (and counted) before; its age says nothing about the lag now.
    if (!result.duplicate) this.metrics.recordWritten(kind, result.written, job.data.receivedAt);
    await this.instant.afterWrite();
    return result;
  }
}
