import { Injectable } from '@nestjs/common';
import type { IngestKind } from '@vigil/monitoring';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The worker's batch writes as Prometheus sees them. */
@Injectable()
export class IngestWriteMetrics {
  private readonly duration: Histogram<'kind'>;
  private readonly written: Counter<'kind'>;
  private readonly rollupLag: Gauge;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'vigil_batch_write_duration_seconds',
      help: 'Time to write one batch (COPY, rollups and ledger row), failed attempts included',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.written = new Counter({
      name: 'vigil_events_written_total',
      help: 'Events written to PostgreSQL; redelivered batches that were already written not counted',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.rollupLag = new Gauge({
      name: 'vigil_rollup_lag_seconds',
      help: 'Time from the API accepting the most recently written batch to its write (rollups included)',
      registers: [registry],
    });
  }

  async timeWrite<T>(kind: IngestKind, write: () => Promise<T>): Promise<T> {
    const stop = this.duration.startTimer({ kind });
    try {
      return await write();
    } finally {
      stop();
    }
  }

  /** A batch newly written; `receivedAt` is the API's clock, so the lag is floored at 0 against skew. */
  recordWritten(kind: IngestKind, events: number, receivedAt: number): void {
    this.written.inc({ kind }, events);
    this.rollupLag.set(Math.max(0, (Date.now() - receivedAt) / 1000));
  }
}
