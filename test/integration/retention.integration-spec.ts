import { randomUUID } from 'node:crypto';
import { validateEnv } from '@vigil/common';
import { dataSourceOptions } from '@vigil/database';
import { partitionName, PartitionManager, RetentionService } from '@vigil/monitoring';
import { DataSource } from 'typeorm';

const DAY = 86_400_000;

describe('retention (real Postgres)', () => {
  let db: DataSource;
  let partitions: PartitionManager;
  let retention: RetentionService;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(validateEnv({ DATABASE_URL: process.env.TEST_DATABASE_URL }), { applicationName: 'vigil-test' })).initialize();
    partitions = new PartitionManager(db);
    retention = new RetentionService(db, partitions);
  });

  afterAll(() => db.destroy());

  const exists = async (name: string) => (await db.query('SELECT to_regclass($1) IS NOT NULL AS e', [name]))[0].e as boolean;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('drops exactly the day partitions older than the raw retention, and old rollups by resolution', async () => {
    const now = Date.now();
    await partitions.ensureRange(now - 33 * DAY, 0, 3); // days 33..30 back
    const projectId = randomUUID();
    const insert = (resolution: number, ageDays: number) =>
      db.query(
        `INSERT INTO request_rollups (resolution, bucket, project_id, service, method, route, count, status_4xx, status_5xx,
           duration_sum, duration_max, db_time_sum, sketch)
         VALUES ($1, $2, $3, 's', 'GET', '/', 1, 0, 0, 1, 1, 0, '\\x01')`,
        [resolution, new Date(Math.floor((now - ageDays * DAY) / 86_400_000) * 86_400_000).toISOString(), projectId],
      );
    await insert(60, 35);
    await insert(60, 2);
    await insert(3600, 35);
    await insert(86400, 500);

    const result = await retention.cleanup({ rawDays: 31, rollupDays: 400, partitionDaysAhead: 3 }, now);

    for (const table of ['performance_metrics', 'slow_queries', 'error_events'] as const) {
      expect(await exists(partitionName(table, day(now - 33 * DAY)))).toBe(false);
      expect(await exists(partitionName(table, day(now - 32 * DAY)))).toBe(false);
      expect(await exists(partitionName(table, day(now - 31 * DAY)))).toBe(true);
      expect(await exists(partitionName(table, day(now - 30 * DAY)))).toBe(true);
      expect(await exists(partitionName(table, day(now + 3 * DAY)))).toBe(true);
    }
    expect(result.droppedPartitions).toEqual(expect.arrayContaining([partitionName('performance_metrics', day(now - 33 * DAY))]));
    const left = await db.query('SELECT resolution FROM request_rollups WHERE project_id = $1 ORDER BY resolution', [projectId]);
    expect(left).toEqual([{ resolution: 60 }, { resolution: 3600 }]);
  });
});
