import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ENV, Env, JobName, JobsService } from '@vigil/common';
import { DataSource, EntityManager } from 'typeorm';
import { buildMessage, NoticePayload } from './message-builder';
import type { NotificationMessage } from './message';
import { groupOf, matchRoutes, RouteRow, RoutesService, routingLabels } from './routes.service';

const ROUTE_BATCH = 5000;

/** A delivery made but not yet handed to the queue. */
interface NewDelivery {
  id: string;
}

const groupJobId = (routeId: string, groupKey: string, at: number) =>
  `flush-${routeId}-${createHash('sha1').update(groupKey).digest('hex').slice(0, 16)}-${at}`;

/**
 * Turns the outbox into deliveries, Alertmanager-style: notices are routed
 * into groups (route × group_by labels); a group goes out as one message per
 * channel after group_wait, then at most every group_interval, and repeats
 * every repeat_interval while its alerts fire unacknowledged. Critical alerts
 * left unacknowledged are escalated. Every step is a transaction on Postgres
 * rows, so a replayed job changes nothing and a lost job is made up by the sweep.
 */
@Injectable()
export class NotificationDispatcher {
  private readonly logger = new Logger('Notifications');
  private readonly dashboard: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: JobsService,
    private readonly routes: RoutesService,
    @Inject(ENV) env: Env,
  ) {
    this.dashboard = `${env.PUBLIC_URL.replace(/\/$/, '')}/`;
  }

  /** Pending outbox rows into their groups, a batch per transaction; returns how many were taken. */
  async routePending(): Promise<number> {
    let taken = 0;
    for (;;) {
      const batch = await this.routeBatch();
      taken += batch;
      if (batch < ROUTE_BATCH) return taken;
    }
  }

  private async routeBatch(): Promise<number> {
    const due: Array<{ routeId: string; groupKey: string; flushAt: number }> = [];
    const taken = await this.db.transaction(async (tx) => {
      const rows: Array<{ id: string; type: string; severity: string; payload: NoticePayload }> = await tx.query(
        `SELECT id, type, severity, payload FROM notifications WHERE state = 'pending' ORDER BY id LIMIT ${ROUTE_BATCH} FOR UPDATE SKIP LOCKED`,
      );
      if (!rows.length) return 0;
      const routes = await this.routes.list(tx);
      const members = new Map<string, { route: RouteRow; key: string; labels: Record<string, string>; ids: string[] }>();
      const routed: string[] = [];
      const unrouted: string[] = [];
      const notResolved: string[] = [];
      for (const row of rows) {
        const labels = routingLabels(row.payload, row.severity);
        const matched = matchRoutes(routes, labels);
        const taking = matched.filter((route) => row.type !== 'resolved' || route.sendResolved);
        if (!matched.length) unrouted.push(row.id);
        else if (!taking.length) notResolved.push(row.id);
        else routed.push(row.id);
        for (const route of taking) {
          const group = groupOf(route, labels);
          const id = `${route.id}\n${group.key}`;
          let entry = members.get(id);
          if (!entry) members.set(id, (entry = { route, key: group.key, labels: group.labels, ids: [] }));
          entry.ids.push(row.id);
        }
      }
      // All groups in one statement and all members in another: a storm touches thousands of groups.
      // A new group waits group_wait; one flushed before, group_interval after that flush.
      const groups = [...members.values()];
      const flushes: Array<{ routeId: string; groupKey: string; flushAt: string }> = await tx.query(
        `INSERT INTO notification_groups AS g (route_id, group_key, group_labels, flush_at)
         SELECT u.r, u.k, u.l::jsonb, now() + make_interval(secs => u.w) FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS u(r, k, l, w)
         ON CONFLICT (route_id, group_key) DO UPDATE SET flush_at = coalesce(g.flush_at,
           CASE WHEN g.last_flushed_at IS NULL THEN EXCLUDED.flush_at
                ELSE greatest(now(), g.last_flushed_at + make_interval(secs => (SELECT group_interval_seconds FROM notification_routes r WHERE r.id = g.route_id))) END)
         RETURNING route_id AS "routeId", group_key AS "groupKey", extract(epoch FROM flush_at) * 1000 AS "flushAt"`,
        [groups.map((g) => g.route.id), groups.map((g) => g.key), groups.map((g) => JSON.stringify(g.labels)), groups.map((g) => g.route.groupWaitSeconds)],
      );
      const member = groups.flatMap((g) => g.ids.map((id) => [g.route.id, g.key, id]));
      await tx.query(
        `INSERT INTO notification_group_members (route_id, group_key, notification_id)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[]) ON CONFLICT DO NOTHING`,
        [member.map((m) => m[0]), member.map((m) => m[1]), member.map((m) => m[2])],
      );
      for (const f of flushes) due.push({ routeId: f.routeId, groupKey: f.groupKey, flushAt: Math.round(Number(f.flushAt)) });
      await tx.query(`UPDATE notifications SET state = 'routed' WHERE id = ANY($1)`, [routed]);
      await tx.query(`UPDATE notifications SET state = 'unrouted' WHERE id = ANY($1)`, [unrouted]);
      await tx.query(`UPDATE notifications SET state = 'suppressed', suppressed_by = 'send_resolved:false' WHERE id = ANY($1)`, [notResolved]);
      return rows.length;
    });
    const now = Date.now();
    await this.jobs.addMany(
      JobName.FlushGroup,
      due.map(({ routeId, groupKey, flushAt }) => ({ payload: { routeId, groupKey }, jobId: groupJobId(routeId, groupKey, flushAt), delayMs: flushAt - now })),
    );
    return taken;
  }

  /** Routing as soon as a worker is free, for a notice written outside an evaluation (a manual resolve). */
  async routeSoon(): Promise<void> {
    await this.jobs.add(JobName.RouteNotifications, {}, `route-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  }

  async scheduleFlush(routeId: string, groupKey: string, at: number): Promise<void> {
    await this.jobs.add(JobName.FlushGroup, { routeId, groupKey }, groupJobId(routeId, groupKey, at), at - Date.now());
  }

  /**
   * Sends a group if it is due: its waiting members as one message per
   * channel, or, with none waiting, a repeat of its alerts still firing.
   * Returns the deliveries made (none when not due: a duplicate or early job).
   */
  async flushGroup(routeId: string, groupKey: string): Promise<string[]> {
    let nextRepeat: number | null = null;
    const made = await this.db.transaction(async (tx) => {
      const [group] = await tx.query(
        `SELECT group_labels AS labels, flush_at <= now() AS "flushDue", repeat_at <= now() AS "repeatDue"
         FROM notification_groups WHERE route_id = $1 AND group_key = $2 FOR UPDATE`,
        [routeId, groupKey],
      );
      if (!group || !(group.flushDue || group.repeatDue)) return [];
      const route = await this.routes.get(routeId, tx).catch(() => null);
      if (!route) return [];
      let message: NotificationMessage;
      let ids: string[] = [];
      if (group.flushDue) {
        // TypeORM answers UPDATE and DELETE with [rows, affected].
        const [members]: [Array<{ id: string; payload: NoticePayload }>] = await tx.query(
          `DELETE FROM notification_group_members m USING notifications n
           WHERE m.route_id = $1 AND m.group_key = $2 AND n.id = m.notification_id RETURNING n.id, n.payload`,
          [routeId, groupKey],
        );
        members.sort((a, b) => Number(a.id) - Number(b.id));
        ids = members.map((m) => m.id);
        message = buildMessage('alerts', route, { key: groupKey, labels: group.labels }, members.map((m) => m.payload), this.dashboard);
      } else {
        const firing = await this.firingInGroup(tx, route, groupKey);
        message = buildMessage('repeat', route, { key: groupKey, labels: group.labels }, firing, this.dashboard);
      }
      const firing = message.alerts.some((a) => a.status === 'firing');
      const [[updated]] = await tx.query(
        `UPDATE notification_groups SET flush_at = NULL, last_flushed_at = now(),
           repeat_at = CASE WHEN $3 AND $4 > 0 THEN now() + make_interval(secs => $4) END
         WHERE route_id = $1 AND group_key = $2 RETURNING extract(epoch FROM repeat_at) * 1000 AS "repeatAt"`,
        [routeId, groupKey, firing, route.repeatIntervalSeconds],
      );
      nextRepeat = updated.repeatAt === null ? null : Math.round(Number(updated.repeatAt));
      if (!message.alerts.length) return [];
      return this.insertDeliveries(tx, route.channelIds, { routeId, groupKey, kind: message.kind, ids, message });
    });
    await this.enqueue(made);
    if (nextRepeat !== null) await this.scheduleFlush(routeId, groupKey, nextRepeat);
    return made.map((d) => d.id);
  }

  /** Alerts firing (not acknowledged: someone is on those) whose labels fall in this route's group. */
  private async firingInGroup(tx: EntityManager, route: RouteRow, groupKey: string): Promise<NoticePayload[]> {
    const alerts: Array<NoticePayload & { ruleName: string | null }> = await tx.query(
      `SELECT a.id AS "alertId", r.name AS rule, 'firing' AS type, a.severity, a.summary, a.labels, a.value, a.threshold, a.started_at AS "startedAt"
       FROM performance_alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id WHERE a.state = 'firing'`,
    );
    const routes = await this.routes.list(tx);
    return alerts.filter((a) => {
      const labels = routingLabels(a, a.severity);
      return matchRoutes(routes, labels).some((r) => r.id === route.id) && groupOf(route, labels).key === groupKey;
    });
  }

  async insertDeliveries(
    tx: EntityManager,
    channelIds: string[],
    d: { routeId: string | null; groupKey: string | null; kind: string; ids: string[]; message: NotificationMessage },
  ): Promise<NewDelivery[]> {
    if (!channelIds.length) return [];
    return tx.query(
      `INSERT INTO deliveries (channel_id, route_id, group_key, kind, notification_ids, message, job_id)
       SELECT c, $2, $3, $4, $5, $6, NULL FROM unnest($1::uuid[]) AS c RETURNING id`,
      [channelIds, d.routeId, d.groupKey, d.kind, d.ids, d.message],
    );
  }

  /** Hands deliveries to the queue, recording each one's job id (the sweep finds those whose job was lost). */
  async enqueue(deliveries: NewDelivery[], suffix = ''): Promise<void> {
    if (!deliveries.length) return;
    const jobs = deliveries.map(({ id }) => ({ payload: { deliveryId: String(id) }, jobId: `deliver-${id}${suffix}` }));
    await this.db.query(`UPDATE deliveries d SET job_id = u.j FROM unnest($1::bigint[], $2::text[]) AS u(id, j) WHERE d.id = u.id`, [
      jobs.map((j) => j.payload.deliveryId),
      jobs.map((j) => j.jobId),
    ]);
    await this.jobs.addMany(JobName.Deliver, jobs);
  }

  /**
   * Critical alerts still firing unacknowledged `escalateAfterSeconds` after
   * they started (or after their last escalation) go to the route's
   * escalation channels, again every period, until someone acknowledges.
   */
  async escalate(): Promise<number> {
    const routes = await this.routes.list();
    if (!routes.some((r) => r.escalateAfterSeconds)) return 0;
    const candidates: Array<NoticePayload & { escalations: number }> = await this.db.query(
      `SELECT a.id AS "alertId", r.name AS rule, 'escalated' AS type, a.severity, a.summary, a.labels, a.value, a.threshold,
         a.started_at AS "startedAt", a.escalations, coalesce(a.escalated_at, a.started_at) AS since
       FROM performance_alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id
       WHERE a.state = 'firing' AND a.severity = 'critical'`,
    );
    let escalated = 0;
    for (const alert of candidates) {
      const route = matchRoutes(routes, routingLabels(alert, alert.severity)).find((r) => r.escalateAfterSeconds);
      if (!route) continue;
      const made = await this.db.transaction(async (tx) => {
        const [due] = await tx.query(
          `SELECT escalations FROM performance_alerts WHERE id = $1 AND state = 'firing' AND severity = 'critical'
             AND coalesce(escalated_at, started_at) + make_interval(secs => $2) <= now() FOR UPDATE`,
          [alert.alertId, route.escalateAfterSeconds],
        );
        if (!due) return [];
        const level = due.escalations + 1;
        await tx.query(`UPDATE performance_alerts SET escalations = $2, escalated_at = now() WHERE id = $1`, [alert.alertId, level]);
        await tx.query(`INSERT INTO alert_events (alert_id, at, type, actor, severity, details) VALUES ($1, now(), 'escalation', 'vigil', 'critical', $2)`, [
          alert.alertId,
          { level, route: route.name },
        ]);
        const message = { ...buildMessage('escalation', route, null, [alert], this.dashboard), escalation: level };
        return this.insertDeliveries(tx, route.escalationChannelIds, { routeId: null, groupKey: null, kind: 'escalation', ids: [], message });
      });
      if (made.length) escalated++;
      await this.enqueue(made);
    }
    return escalated;
  }

  /**
   * The safety net behind every delayed job (Redis may lose them): routes
   * what is pending, flushes groups that are due, re-enqueues pending
   * deliveries whose job is gone, escalates, and forgets idle groups.
   * `redrive`: deliveries just put back from the dead (the CLI), enqueued at once.
   */
  async sweep(redrive: string[] = []): Promise<{ routed: number; flushed: number; requeued: number; escalated: number }> {
    await this.enqueue(redrive.map((id) => ({ id })), `-r${Date.now()}`);
    const routed = await this.routePending();
    const dueGroups: Array<{ routeId: string; groupKey: string }> = await this.db.query(
      `SELECT route_id AS "routeId", group_key AS "groupKey" FROM notification_groups WHERE least(flush_at, repeat_at) <= now() LIMIT 1000`,
    );
    let flushed = 0;
    for (const g of dueGroups) if ((await this.flushGroup(g.routeId, g.groupKey)).length) flushed++;
    const requeued = redrive.length + (await this.requeueOrphans());
    const escalated = await this.escalate();
    await this.db.query(
      `DELETE FROM notification_groups g WHERE flush_at IS NULL AND repeat_at IS NULL AND last_flushed_at < now() - interval '1 day'
         AND NOT EXISTS (SELECT 1 FROM notification_group_members m WHERE m.route_id = g.route_id AND m.group_key = g.group_key)`,
    );
    if (routed || flushed || requeued || escalated) this.logger.log({ routed, flushed, requeued, escalated }, 'notification sweep');
    return { routed, flushed, requeued, escalated };
  }

  private async requeueOrphans(): Promise<number> {
    const pending: Array<{ id: string; jobId: string | null }> = await this.db.query(
      `SELECT id, job_id AS "jobId" FROM deliveries WHERE state = 'pending' AND created_at < now() - interval '5 seconds' ORDER BY id LIMIT 1000`,
    );
    const orphans: NewDelivery[] = [];
    for (const d of pending) {
      const state = d.jobId ? await this.jobs.state(JobName.Deliver, d.jobId) : 'unknown';
      if (!['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'].includes(state)) orphans.push({ id: d.id });
    }
    await this.enqueue(orphans, `-s${Date.now()}`);
    return orphans.length;
  }
}
