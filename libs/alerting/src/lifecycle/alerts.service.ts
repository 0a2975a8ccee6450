import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ConflictError, NotFoundError } from '@vigil/common';
import { DataSource } from 'typeorm';

export interface AlertFilter {
  state?: string;
  severity?: string;
  service?: string;
  /** Alerts of rules scoped to one project carry it as a label. */
  project?: string;
  since?: Date;
  limit: number;
  offset: number;
}

/** Reading alerts, and the two things people do to them: acknowledge and resolve. */
@Injectable()
export class AlertsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(filter: AlertFilter) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.state === 'active') where.push(`state <> 'resolved'`);
    else if (filter.state) add('state = ?', filter.state);
    if (filter.severity) add('severity = ?', filter.severity);
    if (filter.service) add(`labels->>'service' = ?`, filter.service);
    if (filter.project) add(`labels->>'project' = ?`, filter.project);
    if (filter.since) add('last_seen_at >= ?', filter.since);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.db.query(`SELECT count(*)::int AS total FROM performance_alerts ${clause}`, params);
    const items = await this.db.query(
      `SELECT ${COLUMNS} FROM performance_alerts ${clause} ORDER BY last_seen_at DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`,
      params,
    );
    return { total, items };
  }

  async get(id: string) {
    const [alert] = await this.db.query(`SELECT ${COLUMNS} FROM performance_alerts WHERE id = $1`, [id]);
    if (!alert) throw new NotFoundError(`alert ${id} not found`);
    return alert;
  }

  async history(id: string) {
    await this.get(id);
    const events = await this.db.query(
      `SELECT id, at, type, actor, severity, value, threshold, details FROM alert_events WHERE alert_id = $1 ORDER BY id`,
      [id],
    );
    return { alertId: id, events };
  }

  /** Acknowledged: someone is on it. Notifications of its later changes still go out; escalation stops. */
  async acknowledge(id: string, actor: string, comment?: string) {
    return this.db.transaction(async (tx) => {
      const [alert] = await tx.query(`SELECT state, severity FROM performance_alerts WHERE id = $1 FOR UPDATE`, [id]);
      if (!alert) throw new NotFoundError(`alert ${id} not found`);
      if (alert.state !== 'firing') throw new ConflictError(`only a firing alert can be acknowledged; this one is ${alert.state}`);
      await tx.query(`UPDATE performance_alerts SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, ack_comment = $3 WHERE id = $1`, [id, actor, comment ?? null]);
      await tx.query(`INSERT INTO alert_events (alert_id, at, type, actor, severity, details) VALUES ($1, now(), 'acknowledged', $2, $3, $4)`, [
        id, actor, alert.severity, comment ? { comment } : null,
      ]);
      return this.getIn(tx, id);
    });
  }

  /** Resolved by hand: the identity starts over, so a new breach opens a new alert. */
  async resolve(id: string, actor: string, comment?: string) {
    return this.db.transaction(async (tx) => {
      const [alert] = await tx.query(
        `SELECT a.state, a.severity, a.rule_id, a.identity, a.labels, a.summary, a.value, a.threshold, a.started_at, r.name AS rule
         FROM performance_alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id WHERE a.id = $1 FOR UPDATE OF a`,
        [id],
      );
      if (!alert) throw new NotFoundError(`alert ${id} not found`);
      if (alert.state === 'resolved') throw new ConflictError('the alert is already resolved');
      await tx.query(`UPDATE performance_alerts SET state = 'resolved', resolved_at = now(), resolved_by = $2 WHERE id = $1`, [id, actor]);
      const [event] = await tx.query(
        `INSERT INTO alert_events (alert_id, at, type, actor, severity, details) VALUES ($1, now(), 'resolved', $2, $3, $4) RETURNING id`,
        [id, actor, alert.severity, comment ? { comment } : null],
      );
      await tx.query(`UPDATE alert_states SET phase = 'inactive', severity = NULL, breaches = 0 WHERE rule_id = $1 AND identity = $2`, [alert.rule_id, alert.identity]);
      await tx.query(
        `INSERT INTO notifications (alert_id, event_id, type, severity, payload) VALUES ($1, $2, 'resolved', $3, $4)`,
        // The same payload as an evaluated resolve, so routing groups it with the alert's other notices.
        [id, event.id, alert.severity, {
          alertId: id, rule: alert.rule, type: 'resolved', severity: alert.severity, summary: alert.summary, labels: alert.labels,
          value: alert.value, threshold: alert.threshold, startedAt: alert.started_at, resolvedBy: actor,
        }],
      );
      return this.getIn(tx, id);
    });
  }

  private async getIn(tx: { query: DataSource['query'] }, id: string) {
    const [alert] = await tx.query(`SELECT ${COLUMNS} FROM performance_alerts WHERE id = $1`, [id]);
    return alert;
  }
}

const COLUMNS = `id, rule_id AS "ruleId", fingerprint, labels, state, severity, summary, value, threshold, evidence, occurrences,
  started_at AS "startedAt", last_seen_at AS "lastSeenAt", acknowledged_at AS "acknowledgedAt", acknowledged_by AS "acknowledgedBy",
  ack_comment AS "ackComment", resolved_at AS "resolvedAt", resolved_by AS "resolvedBy", previous_alert_id AS "previousAlertId"`;
