import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alert rules, the evaluator's per-identity state, the alert lifecycle with
 * its history, silences, inhibit rules and the notification outbox.
 */
export class Alerting1763920000000 implements MigrationInterface {
  name = 'Alerting1763920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('threshold', 'error_count', 'health', 'regression', 'seasonal', 'forecast')),
        enabled boolean NOT NULL DEFAULT true,
        project_id uuid REFERENCES projects(id) ON DELETE CASCADE,
        service text,
        route text,
        group_by_endpoint boolean NOT NULL DEFAULT false,
        metric text,
        window_seconds integer NOT NULL DEFAULT 300,
        direction text NOT NULL DEFAULT 'above' CHECK (direction IN ('above', 'below')),
        warning double precision,
        critical double precision,
        recovery double precision,
        for_evaluations integer NOT NULL DEFAULT 1,
        keep_firing_for_seconds integer NOT NULL DEFAULT 0,
        min_samples integer NOT NULL DEFAULT 0,
        no_data text NOT NULL DEFAULT 'keep' CHECK (no_data IN ('ok', 'alert', 'keep')),
        params jsonb NOT NULL DEFAULT '{}',
        labels jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE alert_states (
        rule_id uuid NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
        identity text NOT NULL,
        phase text NOT NULL,
        severity text,
        breaches integer NOT NULL DEFAULT 0,
        last_breach_at timestamptz,
        PRIMARY KEY (rule_id, identity)
      )`);

    // Ticks evaluated per evaluation group: a replayed tick is skipped whole.
    await q.query(`
      CREATE TABLE alert_ticks (
        evaluation_group text NOT NULL,
        tick timestamptz NOT NULL,
        evaluated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (evaluation_group, tick)
      )`);

    await q.query('DROP TABLE performance_alerts');
    await q.query(`
      CREATE TABLE performance_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        rule_id uuid REFERENCES alert_rules(id) ON DELETE SET NULL,
        identity text NOT NULL,
        fingerprint text NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}',
        state text NOT NULL CHECK (state IN ('pending', 'firing', 'acknowledged', 'resolved')),
        severity text NOT NULL CHECK (severity IN ('warning', 'critical')),
        summary text NOT NULL,
        value double precision,
        threshold double precision,
        evidence jsonb,
        occurrences integer NOT NULL DEFAULT 1,
        started_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        acknowledged_at timestamptz,
        acknowledged_by text,
        ack_comment text,
        resolved_at timestamptz,
        resolved_by text,
        previous_alert_id uuid REFERENCES performance_alerts(id) ON DELETE SET NULL
      )`);
    // One open alert per identity: a repeat is an occurrence, not a new alert.
    await q.query(`CREATE UNIQUE INDEX performance_alerts_open_idx ON performance_alerts (fingerprint) WHERE state <> 'resolved'`);
    await q.query(`CREATE INDEX performance_alerts_state_idx ON performance_alerts (state, last_seen_at)`);

    await q.query(`
      CREATE TABLE alert_events (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES performance_alerts(id) ON DELETE CASCADE,
        at timestamptz NOT NULL,
        type text NOT NULL,
        actor text NOT NULL,
        severity text,
        value double precision,
        threshold double precision,
        details jsonb
      )`);
    await q.query(`CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, id)`);

    await q.query(`
      CREATE TABLE silences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        matchers jsonb NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        created_by text NOT NULL,
        comment text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at > starts_at)
      )`);

    await q.query(`
      CREATE TABLE inhibit_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        source_matchers jsonb NOT NULL,
        target_matchers jsonb NOT NULL,
        equal text[] NOT NULL DEFAULT '{}'
      )`);

    // The outbox: written in the same transaction as the alert change it announces.
    await q.query(`
      CREATE TABLE notifications (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES performance_alerts(id) ON DELETE CASCADE,
        event_id bigint NOT NULL REFERENCES alert_events(id) ON DELETE CASCADE,
        type text NOT NULL,
        severity text NOT NULL,
        suppressed_by text,
        payload jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'suppressed', 'dead')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX notifications_state_idx ON notifications (state, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS notifications, inhibit_rules, silences, alert_events, alert_ticks, alert_states, performance_alerts, alert_rules CASCADE');
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
  }
}
