import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foundation schema. Raw event tables are range-partitioned by day on ts;
 * their partitions are created ahead by the worker (PartitionManager), never here,
 * so that this migration is the same whatever day it runs.
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projects (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO projects (id, name) VALUES ('00000000-0000-4000-8000-000000000001', 'vigil')`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_project_idx ON api_keys (project_id)`);

    // The ledger of written batches: inserted in the same transaction as the
    // batch's rows, so a batch delivered twice is written once.
    await q.query(`
      CREATE TABLE ingest_batches (
        batch_id uuid PRIMARY KEY,
        project_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('requests', 'queries', 'errors')),
        event_count integer NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ingest_batches_written_at_idx ON ingest_batches (written_at)`);

    // No foreign keys on raw tables: a per-row check would halve bulk-load speed.
    await q.query(`
      CREATE TABLE performance_metrics (
        ts timestamptz NOT NULL,
        project_id uuid NOT NULL,
        service text NOT NULL,
        method text NOT NULL,
        route text NOT NULL,
        status smallint NOT NULL,
        duration_ms double precision NOT NULL,
        db_queries integer,
        db_time_ms double precision,
        cache_hits integer,
        cache_misses integer,
        user_id text,
        tenant_id text,
        client_ip inet,
        request_id text
      ) PARTITION BY RANGE (ts)`);
    await q.query(`CREATE INDEX performance_metrics_service_route_ts_idx ON performance_metrics (service, route, ts)`);
    await q.query(`CREATE INDEX performance_metrics_ts_idx ON performance_metrics (ts)`);
    await q.query(`CREATE INDEX performance_metrics_status_ts_idx ON performance_metrics (status, ts)`);

    await q.query(`
      CREATE TABLE slow_queries (
        ts timestamptz NOT NULL,
        project_id uuid NOT NULL,
        service text NOT NULL,
        fingerprint text NOT NULL,
        query text NOT NULL,
        duration_ms double precision NOT NULL,
        rows bigint,
        request_id text,
        context jsonb
      ) PARTITION BY RANGE (ts)`);
    await q.query(`CREATE INDEX slow_queries_fingerprint_ts_idx ON slow_queries (fingerprint, ts)`);
    await q.query(`CREATE INDEX slow_queries_ts_idx ON slow_queries (ts)`);

    await q.query(`
      CREATE TABLE error_events (
        ts timestamptz NOT NULL,
        project_id uuid NOT NULL,
        service text NOT NULL,
        type text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')),
        message text NOT NULL,
        fingerprint text NOT NULL,
        exception text,
        request_id text,
        context jsonb
      ) PARTITION BY RANGE (ts)`);
    await q.query(`CREATE INDEX error_events_fingerprint_ts_idx ON error_events (fingerprint, ts)`);
    await q.query(`CREATE INDEX error_events_ts_idx ON error_events (ts)`);

    await q.query(`
      CREATE TABLE service_health (
        id bigserial PRIMARY KEY,
        service text NOT NULL,
        status text NOT NULL CHECK (status IN ('up', 'down', 'degraded')),
        response_time_ms double precision,
        error text,
        metadata jsonb NOT NULL DEFAULT '{}',
        checked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX service_health_service_checked_idx ON service_health (service, checked_at)`);

    // Owned by the alerting work; only its identity and lifecycle columns exist yet.
    await q.query(`
      CREATE TABLE performance_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        fingerprint text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('warning', 'critical')),
        state text NOT NULL CHECK (state IN ('pending', 'firing', 'acknowledged', 'resolved')),
        labels jsonb NOT NULL DEFAULT '{}',
        message text NOT NULL,
        value double precision,
        threshold double precision,
        occurrences integer NOT NULL DEFAULT 1,
        started_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz
      )`);
    await q.query(`CREATE INDEX performance_alerts_state_idx ON performance_alerts (state, last_seen_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'performance_alerts',
      'service_health',
      'error_events',
      'slow_queries',
      'performance_metrics',
      'ingest_batches',
      'api_keys',
      'projects',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
  }
}
