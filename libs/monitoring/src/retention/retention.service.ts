import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MAX_AGE_MS } from '../ingest/parse-batch';
import { dayOf, PARTITIONED_TABLES, PartitionManager } from '../partitions/partition-manager';

const DAY_MS = 86_400_000;
const ROLLUP_TABLES = ['request_rollups', 'slow_query_rollups', 'error_rollups'];

export interface RetentionPolicy {
  rawDays: number;
  rollupDays: number;
  partitionDaysAhead: number;
}

export interface CleanupResult {
  droppedPartitions: string[];
  deletedRollups: number;
  deletedLedgerRows: number;
  createdPartitions: string[];
}

/**
 * Retention, run by the daily cleanup job and by `vigil cleanup`: raw tables
 * lose whole day partitions older than `rawDays`; minute rollups live as long
 * as raw rows, hour and day rollups `rollupDays`; the batch ledger as long as
 * the raw rows it vouches for. Partitions ahead are created on the way out.
 */
@Injectable()
export class RetentionService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly partitions: PartitionManager,
  ) {}

  async cleanup(policy: RetentionPolicy, now = Date.now()): Promise<CleanupResult> {
    const rawCutoff = dayOf(now - policy.rawDays * DAY_MS);
    const rollupCutoff = dayOf(now - policy.rollupDays * DAY_MS);
    const droppedPartitions: string[] = [];
    for (const table of PARTITIONED_TABLES) droppedPartitions.push(...(await this.partitions.dropBefore(table, rawCutoff)));

    let deletedRollups = 0;
    for (const table of ROLLUP_TABLES) {
      const [, minutes] = await this.db.query(`DELETE FROM ${table} WHERE resolution = 60 AND bucket < $1`, [rawCutoff]);
      const [, longer] = await this.db.query(`DELETE FROM ${table} WHERE resolution > 60 AND bucket < $1`, [rollupCutoff]);
      deletedRollups += minutes + longer;
    }
    const [, deletedLedgerRows] = await this.db.query('DELETE FROM ingest_batches WHERE written_at < $1', [rawCutoff]);
    // Check results and resource samples live as long as raw rows; the hourly uptime as long as rollups.
    await this.db.query('DELETE FROM service_health WHERE checked_at < $1', [rawCutoff]);
    await this.db.query('DELETE FROM resource_samples WHERE ts < $1', [rawCutoff]);
    await this.db.query('DELETE FROM service_uptime_hourly WHERE hour < $1', [rollupCutoff]);

    const createdPartitions = await this.partitions.ensureRange(now, Math.ceil(MAX_AGE_MS / DAY_MS), policy.partitionDaysAhead);
    return { droppedPartitions, deletedRollups, deletedLedgerRows, createdPartitions };
  }
}
