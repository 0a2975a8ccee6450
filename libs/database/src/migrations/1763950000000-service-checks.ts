import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service and uptime checks: the targets, each check's result (the existing
 * `service_health`, now linked to its target), an hourly uptime rollup, and
 * samples of vigil's own resources (CPU, memory, disk, event-loop lag, pool).
 * vigil's own Postgres and Redis are targets from the start; a target without
 * an address means "the one this process is configured with", so no
 * credentials are copied into the table.
 */
export class ServiceChecks1763950000000 implements MigrationInterface {
  name = 'ServiceChecks1763950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_targets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('http', 'tcp', 'postgres', 'redis')),
        address text,
        expected_status integer NOT NULL DEFAULT 200,
        keyword text,
        timeout_ms integer NOT NULL DEFAULT 5000,
        interval_seconds integer NOT NULL DEFAULT 60,
        enabled boolean NOT NULL DEFAULT true,
        builtin boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'up', 'down')),
        consecutive_failures integer NOT NULL DEFAULT 0,
        last_checked_at timestamptz,
        last_response_ms double precision,
        last_error text,
        status_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (address IS NOT NULL OR kind IN ('postgres', 'redis'))
      )`);
    await q.query(`ALTER TABLE service_health ADD COLUMN target_id uuid REFERENCES service_targets(id) ON DELETE CASCADE`);
    await q.query(`CREATE INDEX service_health_target_checked_idx ON service_health (target_id, checked_at DESC)`);
    await q.query(`
      CREATE TABLE service_uptime_hourly (
        target_id uuid NOT NULL REFERENCES service_targets(id) ON DELETE CASCADE,
        hour timestamptz NOT NULL,
        checks integer NOT NULL,
        up integer NOT NULL,
        response_ms_sum double precision NOT NULL DEFAULT 0,
        PRIMARY KEY (target_id, hour)
      )`);
    await q.query(`
      INSERT INTO service_targets (name, kind, address, interval_seconds, timeout_ms, builtin)
      VALUES ('vigil-database', 'postgres', NULL, 30, 3000, true), ('vigil-redis', 'redis', NULL, 30, 3000, true)`);

    await q.query(`
      CREATE TABLE resource_samples (
        ts timestamptz NOT NULL,
        service text NOT NULL,
        instance text NOT NULL,
        cpu_percent double precision NOT NULL,
        memory_percent double precision NOT NULL,
        memory_rss_bytes bigint NOT NULL,
        disk_percent double precision,
        event_loop_lag_ms double precision NOT NULL,
        pool_total integer,
        pool_idle integer,
        pool_waiting integer
      )`);
    await q.query(`CREATE INDEX resource_samples_ts_idx ON resource_samples (ts, service)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE resource_samples`);
    await q.query(`DROP TABLE service_uptime_hourly`);
    await q.query(`DROP INDEX service_health_target_checked_idx`);
    await q.query(`ALTER TABLE service_health DROP COLUMN target_id`);
    await q.query(`DROP TABLE service_targets`);
  }
}
