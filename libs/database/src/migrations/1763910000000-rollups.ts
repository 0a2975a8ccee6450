import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollups at three resolutions (60 s, 1 h, 1 d) written with each batch. Queries
 * read these, never raw rows: a window is covered by whole days, then hours,
 * then minutes at its edges.
 */
export class Rollups1763910000000 implements MigrationInterface {
  name = 'Rollups1763910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE request_rollups (
        resolution integer NOT NULL CHECK (resolution IN (60, 3600, 86400)),
        bucket timestamptz NOT NULL,
        project_id uuid NOT NULL,
        service text NOT NULL,
        method text NOT NULL,
        route text NOT NULL,
        count bigint NOT NULL,
        status_4xx bigint NOT NULL,
        status_5xx bigint NOT NULL,
        duration_sum double precision NOT NULL,
        duration_max double precision NOT NULL,
        db_time_sum double precision NOT NULL,
        sketch bytea NOT NULL,
        PRIMARY KEY (project_id, resolution, bucket, service, method, route)
      )`);
    await q.query(`CREATE INDEX request_rollups_bucket_idx ON request_rollups (resolution, bucket)`);

    await q.query(`
      CREATE TABLE slow_query_rollups (
        resolution integer NOT NULL CHECK (resolution IN (60, 3600, 86400)),
        bucket timestamptz NOT NULL,
        project_id uuid NOT NULL,
        fingerprint text NOT NULL,
        service text NOT NULL,
        query text NOT NULL,
        count bigint NOT NULL,
        duration_sum double precision NOT NULL,
        duration_max double precision NOT NULL,
        rows_sum bigint NOT NULL,
        last_seen timestamptz NOT NULL,
        sketch bytea NOT NULL,
        PRIMARY KEY (project_id, resolution, bucket, fingerprint, service)
      )`);
    await q.query(`CREATE INDEX slow_query_rollups_bucket_idx ON slow_query_rollups (resolution, bucket)`);

    await q.query(`
      CREATE TABLE error_rollups (
        resolution integer NOT NULL CHECK (resolution IN (60, 3600, 86400)),
        bucket timestamptz NOT NULL,
        project_id uuid NOT NULL,
        fingerprint text NOT NULL,
        severity text NOT NULL,
        service text NOT NULL,
        type text NOT NULL,
        count bigint NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        last_message text NOT NULL,
        PRIMARY KEY (project_id, resolution, bucket, fingerprint, severity)
      )`);
    await q.query(`CREATE INDEX error_rollups_bucket_idx ON error_rollups (resolution, bucket)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS error_rollups, slow_query_rollups, request_rollups');
  }
}
