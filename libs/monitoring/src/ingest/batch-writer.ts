import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Batch } from '@vigil/common';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { PartitionedTable, PartitionManager } from '../partitions/partition-manager';
import type { IngestKind } from './event-schemas';
import type { EventOf } from './parse-batch';
import { writeRollups } from '../rollups/rollup-writer';
import { EVENT_KINDS } from './raw-tables';

export interface WriteResult {
  written: number;
  duplicate: boolean;
}

const NO_PARTITION = '23514';

/**
 * Writes one batch with COPY and adds it to the rollups, in one transaction
 * with its row in the `ingest_batches` ledger. A batch delivered again (retry,
 * stalled job, replayed request) finds its ledger row and writes nothing; a
 * batch whose writer died mid-way left no ledger row, no rows and no rollup
 * change, so it is written whole.
 */
@Injectable()
export class BatchWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly partitions: PartitionManager,
  ) {}

  async write<K extends IngestKind>(kind: K, batch: Batch<EventOf[K]>): Promise<WriteResult> {
    const table = EVENT_KINDS[kind].table;
    await this.partitions.ensureForTimestamps(table.name as PartitionedTable, batch.events.map((e) => e.timestamp));
    try {
      return await this.writeOnce(kind, batch);
    } catch (error) {
      if ((error as { code?: string }).code !== NO_PARTITION) throw error;
      // A partition we believed in was dropped (retention): re-check and retry once.
      this.partitions.forget();
      await this.partitions.ensureForTimestamps(table.name as PartitionedTable, batch.events.map((e) => e.timestamp));
      return this.writeOnce(kind, batch);
    }
  }

  private async writeOnce<K extends IngestKind>(kind: K, batch: Batch<EventOf[K]>): Promise<WriteResult> {
    const { table, prepare, rollups } = EVENT_KINDS[kind];
    const events = batch.events.map((e) => prepare(e as never));
    let text = '';
    for (const event of events) text += table.toCopyRow(event, batch.projectId);

    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const client: PoolClient = await pool.connect();
    let broken: Error | undefined;
    // A checked-out client has no pool listener: without ours, a connection killed between two
    // statements (Postgres restarting) would be an unhandled 'error' event and crash the worker.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const claimed = await client.query(
        `INSERT INTO ingest_batches (batch_id, project_id, kind, event_count) VALUES ($1, $2, $3, $4)
         ON CONFLICT (batch_id) DO NOTHING`,
        [batch.batchId, batch.projectId, kind, batch.events.length],
      );
      if (claimed.rowCount === 0) {
        await client.query('ROLLBACK');
        return { written: 0, duplicate: true };
      }
      await pipeline(
        Readable.from([text]),
        client.query(copyFrom(`COPY ${table.name} (${table.columns.join(', ')}) FROM STDIN`)),
      );
      await writeRollups(client, rollups, batch.projectId, events);
      await client.query('COMMIT');
      return { written: batch.events.length, duplicate: false };
    } catch (error) {
      broken = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', onError);
      // A connection that failed mid-COPY is not trusted back into the pool.
      client.release(broken && !(broken as { code?: string }).code ? broken : undefined);
    }
  }
}
