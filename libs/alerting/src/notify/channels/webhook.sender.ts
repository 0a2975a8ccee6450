import { Webhook } from 'standardwebhooks';
import type { OutboundGuard } from '../outbound-guard';
import { Outgoing, renderAlertmanager, renderWebhook } from '../render';
import type { ChannelRow, ChannelSender, OpenSecret } from './channel';

/**
 * A JSON POST signed per the Standard Webhooks spec: `webhook-id` is the
 * delivery's idempotency key (the same on every retry, so a receiver dedupes
 * on it), `webhook-timestamp` the time of this attempt, `webhook-signature`
 * an HMAC of both and the body. `format: alertmanager` sends Alertmanager's
 * version-4 payload instead of vigil's.
 */
export class WebhookSender implements ChannelSender {
  constructor(
    private readonly guard: OutboundGuard,
    private readonly timeoutMs: number,
  ) {}

  target(channel: ChannelRow): string {
    return `webhook:${new URL(String(channel.config.url)).origin}`;
  }

  async send(channel: ChannelRow, out: Outgoing, secret: OpenSecret): Promise<void> {
    const config = channel.config as { url: string; format?: string; headers?: Record<string, string>; timeoutMs?: number };
    const body = JSON.stringify(config.format === 'alertmanager' ? renderAlertmanager(out) : renderWebhook(out));
    const id = `msg_${out.key}`;
    const headers: Record<string, string> = { ...config.headers };
    for (const name of Object.keys((channel.secrets.headers as object | undefined) ?? {})) headers[name] = secret(`headers.${name}`) ?? '';
    const signingSecret = secret('signingSecret');
    headers['webhook-id'] = id;
    headers['x-vigil-delivery'] = out.key;
    const now = new Date();
    headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
    if (signingSecret) headers['webhook-signature'] = new Webhook(signingSecret).sign(id, now, body);
    await this.guard.post(config.url, body, headers, config.timeoutMs ?? this.timeoutMs);
  }
}
