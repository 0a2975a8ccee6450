import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Evaluation, Severity, Transition } from '../evaluation/threshold';

export interface Breach {
  ruleId: string;
  ruleName: string;
  identity: string;
  labels: Record<string, string>;
  value: number | null;
  /** What a trend detector saw (baseline, effect, p-value or score): kept on the alert and its history. */
  evidence?: Record<string, unknown>;
  evaluation: Evaluation;
  at: Date;
}

export interface Notice {
  id: string;
  alertId: string;
  type: string;
  severity: Severity;
  payload: Record<string, unknown>;
}

export function alertFingerprint(ruleId: string, identity: string): string {
  return createHash('sha256').update(`${ruleId}\n${identity}`).digest('hex').slice(0, 16);
}

const NOTIFIED: Partial<Record<Transition, string>> = { fired: 'firing', escalated: 'escalated', deescalated: 'deescalated', resolved: 'resolved' };

/**
 * Applies one evaluation to the alert of its identity, inside the caller's
 * transaction: opens, updates or resolves the alert, records the transition
 * in `alert_events`, and writes the notification (the outbox) in the same
 * transaction, so an alert change and its announcement are never apart.
 */
export async function applyEvaluation(tx: EntityManager, breach: Breach, silences: Silence[]): Promise<Notice | null> {
  const { evaluation, at } = breach;
  const fingerprint = alertFingerprint(breach.ruleId, breach.identity);
  const [open] = await tx.query(`SELECT id, state FROM performance_alerts WHERE fingerprint = $1 AND state <> 'resolved' FOR UPDATE`, [fingerprint]);
  const severity = evaluation.state.severity;
  const transition = evaluation.transition;

  if (!transition) return null;

  let alertId: string | undefined = open?.id;
  switch (transition) {
    case 'pending':
    case 'fired':
      if (open) {
        await tx.query(
          `UPDATE performance_alerts SET state = CASE WHEN state = 'acknowledged' THEN state ELSE $2 END, severity = $3,
             value = $4, threshold = $5, last_seen_at = $6, occurrences = occurrences + 1, evidence = coalesce($7, evidence) WHERE id = $1`,
          [open.id, transition === 'fired' ? 'firing' : 'pending', severity, breach.value, evaluation.threshold, at, breach.evidence ?? null],
        );
      } else {
        alertId = await openAlert(tx, breach, fingerprint, transition === 'fired' ? 'firing' : 'pending');
      }
      break;
    case 'escalated':
    case 'deescalated':
      if (!open) return null;
      await tx.query(`UPDATE performance_alerts SET severity = $2, value = $3, threshold = $4, last_seen_at = $5 WHERE id = $1`, [
        open.id, severity, breach.value, evaluation.threshold, at,
      ]);
      break;
    case 'resolved':
    case 'cancelled':
      if (!open) return null;
      await tx.query(`UPDATE performance_alerts SET state = 'resolved', resolved_at = $2, resolved_by = 'vigil', value = $3 WHERE id = $1`, [open.id, at, breach.value]);
      break;
  }

  const [event] = await tx.query(
    `INSERT INTO alert_events (alert_id, at, type, actor, severity, value, threshold, details) VALUES ($1, $2, $3, 'vigil', $4, $5, $6, $7) RETURNING id`,
    [alertId, at, transition, severity, breach.value, evaluation.threshold, evaluation.noData ? { noData: true } : (breach.evidence ?? null)],
  );
  const type = NOTIFIED[transition];
  if (!type) return null;
  const [alert] = await tx.query(`SELECT severity, summary, labels, started_at, evidence FROM performance_alerts WHERE id = $1`, [alertId]);
  const payload = {
    alertId,
    rule: breach.ruleName,
    type,
    severity: alert.severity,
    summary: alert.summary,
    labels: alert.labels,
    value: breach.value,
    threshold: evaluation.threshold,
    startedAt: alert.started_at,
    evidence: alert.evidence,
    at: at.toISOString(),
  };
  const silence = silences.find((s) => matchesAll(s.matchers, alert.labels))?.id;
  const suppressedBy = silence ? `silence:${silence}` : type === 'resolved' ? null : await inhibitedBy(tx, alertId!, alert.labels, alert.severity);
  const [notice] = await tx.query(
    `INSERT INTO notifications (alert_id, event_id, type, severity, suppressed_by, payload, state) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [alertId, event.id, type, alert.severity, suppressedBy, payload, suppressedBy ? 'suppressed' : 'pending'],
  );
  return suppressedBy ? null : { id: String(notice.id), alertId: alertId!, type, severity: alert.severity, payload };
}

export interface InhibitRule {
  id: string;
  source_matchers: Matcher[];
  target_matchers: Matcher[];
  equal: string[];
}

/**
 * Inhibition, as Alertmanager does it: an alert is muted while another firing
 * alert matches an inhibit rule's source matchers, it matches the target
 * matchers, and both carry the same values for the rule's `equal` labels.
 * Built in: a firing critical mutes a warning with exactly the same labels.
 */
async function inhibitedBy(tx: EntityManager, alertId: string, labels: Record<string, string>, severity: string): Promise<string | null> {
  // Indexed lookups, not a scan of every active alert: a storm fires thousands in one tick.
  if (severity === 'warning') {
    const [critical] = await tx.query(
      `SELECT 1 FROM performance_alerts WHERE state IN ('firing', 'acknowledged') AND severity = 'critical' AND labels = $2::jsonb AND id <> $1 LIMIT 1`,
      [alertId, JSON.stringify(labels)],
    );
    if (critical) return 'inhibited:critical';
  }
  const rules: InhibitRule[] = await tx.query(`SELECT id, source_matchers, target_matchers, equal FROM inhibit_rules`);
  const targeting = rules.filter((rule) => matchesAll(rule.target_matchers, { ...labels, severity }));
  if (!targeting.length) return null;
  const firing: Array<{ id: string; labels: Record<string, string>; severity: string }> = await tx.query(
    `SELECT id, labels, severity FROM performance_alerts WHERE state IN ('firing', 'acknowledged') AND id <> $1`,
    [alertId],
  );
  for (const rule of targeting) {
    const source = firing.find((a) => matchesAll(rule.source_matchers, { ...a.labels, severity: a.severity }) && rule.equal.every((l) => (a.labels[l] ?? '') === (labels[l] ?? '')));
    if (source) return `inhibited:${rule.id}`;
  }
  return null;
}

async function openAlert(tx: EntityManager, breach: Breach, fingerprint: string, state: 'pending' | 'firing'): Promise<string> {
  const [previous] = await tx.query(
    `SELECT id FROM performance_alerts WHERE fingerprint = $1 AND state = 'resolved' ORDER BY resolved_at DESC LIMIT 1`,
    [fingerprint],
  );
  const summary = `${breach.ruleName}: ${describe(breach.labels)} ${breach.value ?? 'no data'}`;
  const [row] = await tx.query(
    `INSERT INTO performance_alerts (rule_id, identity, fingerprint, labels, state, severity, summary, value, threshold, evidence, started_at, last_seen_at, previous_alert_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) RETURNING id`,
    [breach.ruleId, breach.identity, fingerprint, breach.labels, state, breach.evaluation.state.severity, summary, breach.value, breach.evaluation.threshold, breach.evidence ?? null, breach.at, previous?.id ?? null],
  );
  return row.id;
}

function describe(labels: Record<string, string>): string {
  const parts = [labels.service, labels.method && labels.route ? `${labels.method} ${labels.route}` : labels.route].filter(Boolean);
  return parts.length ? parts.join(' ') : 'all';
}

export interface Silence {
  id: string;
  matchers: Matcher[];
}

/** Silences in force at `at`: read once per evaluation, matched per notification. */
export function activeSilences(tx: EntityManager, at: Date): Promise<Silence[]> {
  return tx.query(`SELECT id, matchers FROM silences WHERE starts_at <= $1 AND ends_at > $1`, [at]);
}

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** Alertmanager semantics: `=`, `!=`, `=~`, `!~` (anchored); a missing label is "". */
export function matchesAll(matchers: Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => {
    const actual = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        return actual === m.value;
      case '!=':
        return actual !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(actual);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(actual);
    }
  });
}
