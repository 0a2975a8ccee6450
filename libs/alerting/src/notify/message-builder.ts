import type { Severity } from '../evaluation/threshold';
import { MAX_ALERTS_PER_MESSAGE, MessageAlert, MessageKind, NotificationMessage } from './message';
import type { RouteRow } from './routes.service';

/** An outbox row's payload, as the alert lifecycle writes it. */
export interface NoticePayload {
  alertId: string;
  rule?: string;
  type: string;
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
  value?: number | null;
  threshold?: number | null;
  startedAt?: string | null;
  at?: string;
}

export function messageAlert(p: NoticePayload): MessageAlert {
  return {
    alertId: p.alertId,
    rule: p.rule ?? '',
    type: p.type,
    status: p.type === 'resolved' ? 'resolved' : 'firing',
    severity: p.severity,
    summary: p.summary,
    labels: p.labels ?? {},
    value: p.value ?? null,
    threshold: p.threshold ?? null,
    startedAt: p.startedAt ? new Date(p.startedAt).toISOString() : null,
    at: p.at ?? new Date().toISOString(),
  };
}

/**
 * One message for a group: the latest notice per alert (an alert that fired
 * and resolved within one group wait is shown resolved), firing ones first.
 */
export function buildMessage(
  kind: MessageKind,
  route: RouteRow | null,
  group: { key: string; labels: Record<string, string> } | null,
  notices: NoticePayload[],
  dashboard: string,
): NotificationMessage {
  const latest = new Map<string, MessageAlert>();
  for (const notice of notices) latest.set(notice.alertId, messageAlert(notice));
  const alerts = [...latest.values()].sort((a, b) => (a.status === b.status ? 0 : a.status === 'firing' ? -1 : 1));
  const firing = alerts.some((a) => a.status === 'firing');
  return {
    kind,
    status: firing ? 'firing' : 'resolved',
    severity: alerts.some((a) => a.severity === 'critical' && (a.status === 'firing' || !firing)) ? 'critical' : 'warning',
    route: route?.name ?? null,
    groupKey: group?.key ?? null,
    groupLabels: group?.labels ?? {},
    alerts: alerts.slice(0, MAX_ALERTS_PER_MESSAGE),
    truncatedAlerts: Math.max(0, alerts.length - MAX_ALERTS_PER_MESSAGE),
    links: { dashboard },
  };
}
