import { colourOf, describeLabels, MessageAlert, messageTitle, NotificationMessage } from './message';

/** What a channel sends, besides the message: the delivery's id and idempotency key. */
export interface Outgoing {
  deliveryId: string;
  key: string;
  message: NotificationMessage;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function valueLine(alert: MessageAlert): string {
  if (alert.value === null) return 'no data';
  const value = Number.isInteger(alert.value) ? String(alert.value) : alert.value.toFixed(3);
  return alert.threshold === null ? value : `${value} (threshold ${alert.threshold})`;
}

const alertLink = (message: NotificationMessage, alert: MessageAlert) => `${message.links.dashboard}#alert=${alert.alertId}`;

function intro(message: NotificationMessage): string {
  if (message.kind === 'fallback') {
    const f = message.failure!;
    return `vigil could not deliver a notification through channel "${f.channel}" after ${f.attempts} attempt(s): ${f.error}. It is dead-lettered; re-drive it with POST /api/v1/notifications/<id>/retry or \`vigil send-alerts --retry-dead\`.`;
  }
  if (message.kind === 'escalation') return `Still unacknowledged: escalation #${message.escalation}. Acknowledge it to stop escalating.`;
  if (message.kind === 'repeat') return 'Still firing (repeat).';
  return '';
}

export function renderText(message: NotificationMessage): string {
  const lines = [messageTitle(message), ''];
  const head = intro(message);
  if (head) lines.push(head, '');
  for (const alert of message.alerts) {
    lines.push(`- [${alert.status === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase()}] ${alert.summary}`);
    lines.push(`  value: ${valueLine(alert)}; labels: ${describeLabels(alert.labels)}`);
    lines.push(`  since ${alert.startedAt ?? alert.at}; acknowledge: ${alertLink(message, alert)}`);
  }
  if (message.truncatedAlerts) lines.push(`- and ${message.truncatedAlerts} more`);
  lines.push('', `Dashboard: ${message.links.dashboard}`);
  return lines.join('\n');
}

export function renderHtml(message: NotificationMessage): string {
  const colour = colourOf(message);
  const head = intro(message);
  const rows = message.alerts
    .map(
      (a) => `<tr>
  <td style="padding:6px 8px;border-left:4px solid ${a.status === 'resolved' ? '#2e7d32' : a.severity === 'critical' ? '#d32f2f' : '#f59e0b'}"><strong>${escapeHtml(a.status === 'resolved' ? 'RESOLVED' : a.severity.toUpperCase())}</strong></td>
  <td style="padding:6px 8px">${escapeHtml(a.summary)}<br><small>${escapeHtml(describeLabels(a.labels))}</small></td>
  <td style="padding:6px 8px">${escapeHtml(valueLine(a))}</td>
  <td style="padding:6px 8px"><a href="${escapeHtml(alertLink(message, a))}">Acknowledge</a></td>
</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><body style="font-family:sans-serif">
<h2 style="color:${colour}">${escapeHtml(messageTitle(message))}</h2>
${head ? `<p>${escapeHtml(head)}</p>` : ''}
<table style="border-collapse:collapse">
${rows}
</table>
${message.truncatedAlerts ? `<p>and ${message.truncatedAlerts} more</p>` : ''}
<p><a href="${escapeHtml(message.links.dashboard)}">Open the vigil dashboard</a></p>
</body></html>`;
}

/** Slack incoming webhook: a fallback text and an attachment coloured by severity, holding the blocks. */
export function renderSlack(message: NotificationMessage, channel?: string, username?: string): Record<string, unknown> {
  const head = intro(message);
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: messageTitle(message).slice(0, 150) } }];
  if (head) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: head } });
  for (const alert of message.alerts.slice(0, 20)) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${alert.status === 'resolved' ? 'RESOLVED' : alert.severity.toUpperCase()}* ${alert.summary}\n${valueLine(alert)} · ${describeLabels(alert.labels)}` },
      accessory: { type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, url: alertLink(message, alert) },
    });
  }
  const more = message.alerts.length - Math.min(20, message.alerts.length) + message.truncatedAlerts;
  if (more) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${more} more` }] });
  return {
    ...(channel ? { channel } : {}),
    ...(username ? { username } : {}),
    text: messageTitle(message),
    attachments: [{ color: colourOf(message), blocks }],
  };
}

/** vigil's own webhook body. */
export function renderWebhook(out: Outgoing): Record<string, unknown> {
  return { version: '1', deliveryId: out.deliveryId, idempotencyKey: out.key, title: messageTitle(out.message), ...out.message };
}

/** Alertmanager's webhook payload, version 4, so receivers built for Alertmanager accept vigil. */
export function renderAlertmanager(out: Outgoing): Record<string, unknown> {
  const { message } = out;
  const common = commonLabels(message.alerts);
  return {
    version: '4',
    groupKey: `${message.route ?? 'vigil'}:${message.groupKey ?? out.key}`,
    truncatedAlerts: message.truncatedAlerts,
    status: message.status,
    receiver: message.route ?? 'vigil',
    groupLabels: message.groupLabels,
    commonLabels: common,
    commonAnnotations: {},
    externalURL: message.links.dashboard,
    alerts: message.alerts.map((a) => ({
      status: a.status,
      labels: { alertname: a.rule, severity: a.severity, ...a.labels },
      annotations: { summary: a.summary, value: a.value === null ? '' : String(a.value), threshold: a.threshold === null ? '' : String(a.threshold) },
      startsAt: a.startedAt ?? a.at,
      endsAt: a.status === 'resolved' ? a.at : '0001-01-01T00:00:00Z',
      generatorURL: alertLink(message, a),
      fingerprint: a.alertId,
    })),
  };
}

function commonLabels(alerts: MessageAlert[]): Record<string, string> {
  if (!alerts.length) return {};
  const [first, ...rest] = alerts.map((a) => ({ alertname: a.rule, severity: a.severity, ...a.labels }) as Record<string, string>);
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((labels) => labels[k] === v)));
}
