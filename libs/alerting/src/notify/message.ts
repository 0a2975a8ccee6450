import type { Severity } from '../evaluation/threshold';

/** One alert as a message shows it. */
export interface MessageAlert {
  alertId: string;
  rule: string;
  /** What happened to it: firing, escalated, deescalated, resolved. */
  type: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
  value: number | null;
  threshold: number | null;
  startedAt: string | null;
  at: string;
}

export type MessageKind = 'alerts' | 'repeat' | 'escalation' | 'fallback';

/**
 * What one delivery says, fixed when the delivery is created so that every
 * retry sends the same thing. Channels render it (text, HTML, Slack blocks,
 * JSON, Alertmanager's webhook format).
 */
export interface NotificationMessage {
  kind: MessageKind;
  /** firing while any alert in it fires. */
  status: 'firing' | 'resolved';
  severity: Severity;
  route: string | null;
  groupKey: string | null;
  groupLabels: Record<string, string>;
  alerts: MessageAlert[];
  /** Alerts left out of `alerts` to keep a storm to one readable message. */
  truncatedAlerts: number;
  /** Escalation: how many times this alert has been escalated, this one included. */
  escalation?: number;
  /** Fallback: the delivery that could not be made. */
  failure?: { deliveryId: string; channel: string; error: string; attempts: number };
  links: { dashboard: string };
}

/** At most this many alerts are listed in one message; the rest are counted. */
export const MAX_ALERTS_PER_MESSAGE = 50;

export function messageTitle(message: NotificationMessage): string {
  if (message.kind === 'fallback') return `[vigil] delivery failed on ${message.failure?.channel}: ${message.alerts.length + message.truncatedAlerts} alert(s) not delivered`;
  const count = message.alerts.length + message.truncatedAlerts;
  const first = message.alerts[0];
  const what = count === 1 && first ? first.summary : `${count} alerts${message.route ? ` (${describeLabels(message.groupLabels) || message.route})` : ''}`;
  const prefix = message.kind === 'escalation' ? `ESCALATED #${message.escalation}` : message.status === 'firing' ? `FIRING:${message.severity.toUpperCase()}` : 'RESOLVED';
  return `[${prefix}] ${what}`;
}

export function describeLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export const SEVERITY_COLOUR: Record<string, string> = { critical: '#d32f2f', warning: '#f59e0b', resolved: '#2e7d32' };

export function colourOf(message: NotificationMessage): string {
  return message.status === 'resolved' ? SEVERITY_COLOUR.resolved : (SEVERITY_COLOUR[message.severity] ?? SEVERITY_COLOUR.warning);
}
