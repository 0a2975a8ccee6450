import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ConflictError, NotFoundError } from '@vigil/common';
import { DataSource } from 'typeorm';
import { NotificationDispatcher } from './dispatcher';

export const NOTIFICATION_STATES = ['pending', 'routed', 'sent', 'suppressed', 'dead', 'unrouted'] as const;

export interface NotificationFilter {
  state?: string;
  alertId?: string;
  limit: number;
  offset: number;
}

/** The outbox as people see it: each notice with its deliveries; dead letters re-driven from here. */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly dispatcher: NotificationDispatcher,
  ) {}

  async list(filter: NotificationFilter) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.state) where.push(`n.state = $${params.push(filter.state)}`);
    if (filter.alertId) where.push(`n.alert_id = $${params.push(filter.alertId)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.db.query(`SELECT count(*)::int AS total FROM notifications n ${clause}`, params);
    const items = await this.db.query(
      `SELECT n.id, n.alert_id AS "alertId", n.type, n.severity, n.state, n.suppressed_by AS "suppressedBy", n.payload->>'summary' AS summary,
         n.created_at AS "createdAt",
         coalesce((SELECT json_agg(json_build_object('id', d.id, 'channel', c.name, 'kind', d.kind, 'state', d.state, 'attempts', d.attempts,
             'lastError', d.last_error, 'createdAt', d.created_at, 'sentAt', d.sent_at, 'deadAt', d.dead_at) ORDER BY d.id)
           FROM deliveries d JOIN channels c ON c.id = d.channel_id WHERE d.notification_ids @> ARRAY[n.id]), '[]') AS deliveries
       FROM notifications n ${clause} ORDER BY n.id DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`,
      params,
    );
    return { total, items };
  }

  /** Re-drives the dead deliveries of one notification, from attempt one. */
  async retry(id: string): Promise<{ notificationId: string; redriven: string[] }> {
    const [notice] = await this.db.query(`SELECT id FROM notifications WHERE id = $1`, [id]);
    if (!notice) throw new NotFoundError(`notification ${id} not found`);
    const redriven = await this.redrive(`notification_ids @> ARRAY[$1::bigint]`, [id]);
    if (!redriven.length) throw new ConflictError(`notification ${id} has no dead delivery to retry`);
    return { notificationId: id, redriven };
  }

  /** Re-drives every dead delivery (`vigil send-alerts --retry-dead`). */
  retryAllDead(): Promise<string[]> {
    return this.redrive('true', []);
  }

  private async redrive(match: string, params: unknown[]): Promise<string[]> {
    const ids = await reviveDeadDeliveries(this.db, match, params);
    await this.dispatcher.enqueue(ids.map((id) => ({ id })), `-r${Date.now()}`);
    return ids;
  }
}

/**
 * Dead deliveries matching `match` back to pending, from attempt one, and
 * their notices back to routed; returns their ids. Enqueueing is the
 * caller's (or the sweep's: it picks up pending deliveries without a job).
 */
export async function reviveDeadDeliveries(db: DataSource, match: string, params: unknown[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    const [revived]: [Array<{ id: string; notification_ids: string[] }>] = await tx.query(
      `UPDATE deliveries SET state = 'pending', attempts = 0, dead_at = NULL, job_id = NULL WHERE state = 'dead' AND ${match} RETURNING id, notification_ids`,
      params,
    );
    await tx.query(`UPDATE notifications SET state = 'routed' WHERE id = ANY($1) AND state = 'dead'`, [revived.flatMap((r) => r.notification_ids)]);
    return revived.map((r) => String(r.id));
  });
}
