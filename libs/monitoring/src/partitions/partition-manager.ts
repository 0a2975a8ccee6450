import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Raw tables range-partitioned by day (UTC) on ts. */
export const PARTITIONED_TABLES = ['performance_metrics', 'slow_queries', 'error_events'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

const DAY_MS = 86_400_000;
const PARTITION_LOCK = 7_441_120_032;

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function partitionName(table: PartitionedTable, day: string): string {
  return `${table}_p${day.replace(/-/g, '')}`;
}

/**
 * Creates day partitions. The worker creates them days ahead on a schedule;
 * the batch writer also asks for the days of each batch, so a batch that
 * waited out a long outage still finds its partition. Known partitions are
 * remembered, so the hot path costs a Set lookup.
 */
@Injectable()
export class PartitionManager {
  private readonly logger = new Logger(PartitionManager.name);
  private readonly known = new Set<string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async ensureForTimestamps(table: PartitionedTable, timestamps: Iterable<number>): Promise<void> {
    // A batch spans a day or two: format each day once, not each event's.
    const days = new Set<number>();
    for (const ts of timestamps) days.add(Math.floor(ts / DAY_MS));
    const missing = new Set<string>();
    for (const day of days) {
      const name = dayOf(day * DAY_MS);
      if (!this.known.has(partitionName(table, name))) missing.add(name);
    }
    if (missing.size) await this.create(table, [...missing]);
  }

  /** Partitions for every raw table from `daysBack` days ago to `daysAhead` days ahead. */
  async ensureRange(now: number, daysBack: number, daysAhead: number): Promise<string[]> {
    const days: string[] = [];
    for (let d = -daysBack; d <= daysAhead; d++) days.push(dayOf(now + d * DAY_MS));
    const created: string[] = [];
    for (const table of PARTITIONED_TABLES) created.push(...(await this.create(table, days)));
    return created;
  }

  /**
   * Drops whole day partitions that end on or before `cutoff` (a UTC day):
   * retention never deletes raw rows one by one.
   */
  async dropBefore(table: PartitionedTable, cutoff: string): Promise<string[]> {
    const partitions: Array<{ name: string }> = await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
      [table],
    );
    const prefix = `${table}_p`;
    const limit = cutoff.replace(/-/g, '');
    const old = partitions.map((p) => p.name).filter((name) => name.startsWith(prefix) && name.slice(prefix.length) < limit);
    for (const name of old) await this.dataSource.query(`DROP TABLE IF EXISTS ${name}`);
    if (old.length) {
      this.forget();
      this.logger.log({ dropped: old }, 'dropped partitions');
    }
    return old;
  }

  /** Forget what we know, e.g. after a partition was dropped under us. */
  forget(): void {
    this.known.clear();
  }

  private async create(table: PartitionedTable, days: string[]): Promise<string[]> {
    const created: string[] = [];
    await this.dataSource.transaction(async (tx) => {
      // Serialize DDL across workers: concurrent CREATE ... PARTITION OF can deadlock.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      for (const day of days) {
        const name = partitionName(table, day);
        const exists = await tx.query('SELECT to_regclass($1) IS NOT NULL AS exists', [name]);
        if (!exists[0].exists) {
          const from = `${day}T00:00:00Z`;
          const to = `${dayOf(Date.parse(from) + DAY_MS)}T00:00:00Z`;
          await tx.query(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM ('${from}') TO ('${to}')`);
          created.push(name);
        }
      }
    });
    for (const day of days) this.known.add(partitionName(table, day));
    if (created.length) this.logger.log({ created }, 'created partitions');
    return created;
  }
}
