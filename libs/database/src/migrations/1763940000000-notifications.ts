import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification delivery: channels, routes (matchers, grouping, fallback,
 * escalation), the groups waiting to be flushed and their members, and one
 * delivery row per message per channel. Delivery state lives here, not in
 * Redis, so a lost queue loses no notification and a retried job sends nothing twice.
 */
export class Notifications1763940000000 implements MigrationInterface {
  name = 'Notifications1763940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        type text NOT NULL CHECK (type IN ('log', 'file', 'email', 'slack', 'webhook')),
        config jsonb NOT NULL DEFAULT '{}',
        -- Secret settings: each either {"env": "NAME"} or {"enc": "<AES-256-GCM>"}; never returned by the API.
        secrets jsonb NOT NULL DEFAULT '{}',
        rate_limit_per_minute integer NOT NULL DEFAULT 60 CHECK (rate_limit_per_minute > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE notification_routes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        position integer NOT NULL DEFAULT 100,
        enabled boolean NOT NULL DEFAULT true,
        matchers jsonb NOT NULL DEFAULT '[]',
        channel_ids uuid[] NOT NULL,
        group_by text[] NOT NULL DEFAULT '{rule}',
        group_wait_seconds integer NOT NULL DEFAULT 0 CHECK (group_wait_seconds >= 0),
        group_interval_seconds integer NOT NULL DEFAULT 60 CHECK (group_interval_seconds >= 0),
        repeat_interval_seconds integer NOT NULL DEFAULT 14400 CHECK (repeat_interval_seconds >= 0),
        send_resolved boolean NOT NULL DEFAULT true,
        fallback_channel_id uuid REFERENCES channels(id) ON DELETE SET NULL,
        escalate_after_seconds integer CHECK (escalate_after_seconds > 0),
        escalation_channel_ids uuid[] NOT NULL DEFAULT '{}',
        continue boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // One row per (route, group): when its waiting members go out, and when the group repeats.
    await q.query(`
      CREATE TABLE notification_groups (
        route_id uuid NOT NULL REFERENCES notification_routes(id) ON DELETE CASCADE,
        group_key text NOT NULL,
        group_labels jsonb NOT NULL,
        flush_at timestamptz,
        repeat_at timestamptz,
        last_flushed_at timestamptz,
        PRIMARY KEY (route_id, group_key)
      )`);
    await q.query(`CREATE INDEX notification_groups_due_idx ON notification_groups (least(flush_at, repeat_at))`);

    await q.query(`
      CREATE TABLE notification_group_members (
        route_id uuid NOT NULL,
        group_key text NOT NULL,
        notification_id bigint NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        PRIMARY KEY (route_id, group_key, notification_id),
        FOREIGN KEY (route_id, group_key) REFERENCES notification_groups(route_id, group_key) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX notification_group_members_notification_idx ON notification_group_members (notification_id)`);

    await q.query(`
      CREATE TABLE deliveries (
        id bigserial PRIMARY KEY,
        -- The idempotency key a receiver dedupes on (webhook-id, X-Vigil-Delivery, Message-ID).
        key uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        channel_id uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
        route_id uuid REFERENCES notification_routes(id) ON DELETE SET NULL,
        group_key text,
        kind text NOT NULL CHECK (kind IN ('alerts', 'repeat', 'escalation', 'fallback')),
        notification_ids bigint[] NOT NULL DEFAULT '{}',
        message jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
        job_id text,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        dead_at timestamptz
      )`);
    await q.query(`CREATE INDEX deliveries_pending_idx ON deliveries (channel_id, route_id, group_key, id) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX deliveries_sent_idx ON deliveries (channel_id, sent_at) WHERE state = 'sent'`);
    await q.query(`CREATE INDEX deliveries_state_idx ON deliveries (state, id)`);
    await q.query(`CREATE INDEX deliveries_notifications_idx ON deliveries USING gin (notification_ids)`);

    // Routed: taken into a group; 'unrouted': no route matched.
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_state_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_state_check
      CHECK (state IN ('pending', 'routed', 'sent', 'suppressed', 'dead', 'unrouted'))`);

    await q.query(`ALTER TABLE performance_alerts ADD COLUMN escalations integer NOT NULL DEFAULT 0, ADD COLUMN escalated_at timestamptz`);

    // Out of the box: every notification is logged, and the log is the fallback for dead letters.
    await q.query(`INSERT INTO channels (name, type, rate_limit_per_minute) VALUES ('log', 'log', 600)`);
    await q.query(`
      INSERT INTO notification_routes (name, position, channel_ids, fallback_channel_id, continue)
      SELECT 'all to log', 0, ARRAY[id], id, true FROM channels WHERE name = 'log'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE performance_alerts DROP COLUMN escalations, DROP COLUMN escalated_at');
    await q.query(`UPDATE notifications SET state = 'pending' WHERE state IN ('routed', 'unrouted')`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_state_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_state_check CHECK (state IN ('pending', 'sent', 'suppressed', 'dead'))`);
    await q.query('DROP TABLE IF EXISTS deliveries, notification_group_members, notification_groups, notification_routes, channels CASCADE');
  }
}
