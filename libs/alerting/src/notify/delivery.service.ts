import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { BreakerOpenError } from '@vigil/breakers';
import { UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { ChannelSenders } from './channel-senders';
import type { ChannelRow } from './channels/channel';
import { NotificationDispatcher } from './dispatcher';
import type { NotificationMessage } from './message';
import { ForbiddenDestinationError } from './outbound-guard';

/** Not now, without spending an attempt: an earlier message of the group is still on its way, or the channel's rate limit is reached. */
export class DeliveryDeferred extends Error {
  constructor(readonly untilMs: number, reason: string) {
    super(reason);
  }
}

export interface AttemptInfo {
  /** Attempts made before this one. */
  attemptsMade: number;
  attempts: number;
}

interface DeliveryRow {
  id: string;
  key: string;
  kind: string;
  state: string;
  routeId: string | null;
  groupKey: string | null;
  notificationIds: string[];
  message: NotificationMessage;
  channel: ChannelRow;
}

/**
 * Makes one delivery: sends it, then marks it sent. A delivery already sent
 * is skipped, so a replayed job sends nothing. The one window that can still
 * repeat a message is a worker killed after the receiver has it and before
 * the mark commits; the retry carries the same idempotency key.
 * After the last attempt the delivery is dead-lettered and the route's
 * fallback channel is told.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger('Notifications');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly senders: ChannelSenders,
    private readonly dispatcher: NotificationDispatcher,
  ) {}

  async deliver(deliveryId: string, attempt: AttemptInfo): Promise<'sent' | 'skipped'> {
    const d = await this.load(deliveryId);
    if (!d || d.state !== 'pending') return 'skipped';
    await this.checkTurn(d);
    try {
      await this.senders.send(d.channel, { deliveryId: d.id, key: d.key, message: d.message });
    } catch (error) {
      // The receiver failed others just now: wait for the breaker's probe instead of spending an attempt.
      if (error instanceof BreakerOpenError) throw new DeliveryDeferred(Date.now() + error.retryAfterMs, error.message);
      const last = attempt.attemptsMade + 1 >= attempt.attempts || error instanceof ForbiddenDestinationError;
      await this.failed(d, error as Error, last);
      throw error instanceof ForbiddenDestinationError ? new UnrecoverableError(error.message) : error;
    }
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE deliveries SET state = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1 AND state = 'pending'`, [d.id]);
      // A notice is sent once every delivery carrying it is sent and it waits in no group. Deliveries of
      // one notice finishing at once take its row lock first, so the last one sees the others' marks.
      await tx.query(`SELECT id FROM notifications WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [d.notificationIds]);
      await tx.query(
        `UPDATE notifications n SET state = 'sent' WHERE n.id = ANY($1) AND n.state = 'routed'
           AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.notification_ids @> ARRAY[n.id] AND o.state <> 'sent')
           AND NOT EXISTS (SELECT 1 FROM notification_group_members m WHERE m.notification_id = n.id)`,
        [d.notificationIds],
      );
    });
    return 'sent';
  }

  private async load(id: string): Promise<DeliveryRow | undefined> {
    const [row] = await this.db.query(
      `SELECT d.id, d.key, d.kind, d.state, d.route_id AS "routeId", d.group_key AS "groupKey", d.notification_ids AS "notificationIds", d.message,
         json_build_object('id', c.id, 'name', c.name, 'type', c.type, 'config', c.config, 'secrets', c.secrets, 'rateLimitPerMinute', c.rate_limit_per_minute) AS channel
       FROM deliveries d JOIN channels c ON c.id = d.channel_id WHERE d.id = $1`,
      [id],
    );
    return row;
  }

  /** In order within a group, and within the channel's rate limit. */
  private async checkTurn(d: DeliveryRow): Promise<void> {
    if (d.routeId) {
      const [earlier] = await this.db.query(
        `SELECT id FROM deliveries WHERE state = 'pending' AND channel_id = $1 AND route_id = $2 AND group_key = $3 AND id < $4 LIMIT 1`,
        [d.channel.id, d.routeId, d.groupKey, d.id],
      );
      if (earlier) throw new DeliveryDeferred(Date.now() + 1000, `delivery ${earlier.id} of the same group goes first`);
    }
    const [{ sent, oldest }] = await this.db.query(
      `SELECT count(*)::int AS sent, extract(epoch FROM min(sent_at)) * 1000 AS oldest FROM deliveries
       WHERE channel_id = $1 AND state = 'sent' AND sent_at > now() - interval '1 minute'`,
      [d.channel.id],
    );
    if (sent >= d.channel.rateLimitPerMinute) {
      throw new DeliveryDeferred(Number(oldest) + 60_000, `channel ${d.channel.name} is at its rate limit (${d.channel.rateLimitPerMinute}/min)`);
    }
  }

  private async failed(d: DeliveryRow, error: Error, last: boolean): Promise<void> {
    if (!last) {
      await this.db.query(`UPDATE deliveries SET attempts = attempts + 1, last_error = $2 WHERE id = $1 AND state = 'pending'`, [d.id, error.message]);
      return;
    }
    this.logger.warn({ delivery: d.id, channel: d.channel.name, err: error.message }, 'delivery dead-lettered');
    const fallback = await this.db.transaction(async (tx) => {
      const [[dead]] = await tx.query(
        `UPDATE deliveries SET state = 'dead', dead_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = $1 AND state = 'pending' RETURNING attempts`,
        [d.id, error.message],
      );
      if (!dead) return [];
      await tx.query(`UPDATE notifications SET state = 'dead' WHERE id = ANY($1) AND state IN ('routed', 'sent')`, [d.notificationIds]);
      if (d.kind === 'fallback' || !d.routeId) return [];
      const [route] = await tx.query(`SELECT fallback_channel_id AS "channelId" FROM notification_routes WHERE id = $1`, [d.routeId]);
      if (!route?.channelId || route.channelId === d.channel.id) return [];
      const message: NotificationMessage = {
        ...d.message,
        kind: 'fallback',
        failure: { deliveryId: d.id, channel: d.channel.name, error: error.message.slice(0, 500), attempts: dead.attempts },
      };
      return this.dispatcher.insertDeliveries(tx, [route.channelId], { routeId: null, groupKey: null, kind: 'fallback', ids: d.notificationIds, message });
    });
    await this.dispatcher.enqueue(fallback);
  }
}
