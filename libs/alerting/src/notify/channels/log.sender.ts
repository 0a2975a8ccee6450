import { Logger } from '@nestjs/common';
import { messageTitle } from '../message';
import type { Outgoing } from '../render';
import type { ChannelSender } from './channel';

/** A structured log line per notification: always available, and the default fallback. */
export class LogSender implements ChannelSender {
  private readonly logger = new Logger('Notifications');

  target(): string {
    return 'log';
  }

  async send(_channel: unknown, { deliveryId, key, message }: Outgoing): Promise<void> {
    this.logger.log(
      {
        delivery: deliveryId,
        idempotencyKey: key,
        kind: message.kind,
        status: message.status,
        severity: message.severity,
        route: message.route,
        groupLabels: message.groupLabels,
        alerts: message.alerts.map((a) => ({ alertId: a.alertId, rule: a.rule, status: a.status, severity: a.severity, value: a.value, labels: a.labels })),
        truncatedAlerts: message.truncatedAlerts,
        failure: message.failure,
      },
      messageTitle(message),
    );
  }
}
