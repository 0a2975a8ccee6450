import type { OutboundGuard } from '../outbound-guard';
import { Outgoing, renderSlack } from '../render';
import type { ChannelRow, ChannelSender, OpenSecret } from './channel';

/** Slack incoming webhook: the URL is the credential, so it is a secret. */
export class SlackSender implements ChannelSender {
  constructor(
    private readonly guard: OutboundGuard,
    private readonly timeoutMs: number,
  ) {}

  target(channel: ChannelRow): string {
    return `slack:${channel.id}`;
  }

  async send(channel: ChannelRow, out: Outgoing, secret: OpenSecret): Promise<void> {
    const url = secret('url');
    if (!url) throw new Error('the Slack channel has no webhook url');
    const body = renderSlack(out.message, channel.config.channel as string | undefined, channel.config.username as string | undefined);
    await this.guard.post(url, JSON.stringify(body), { 'x-vigil-delivery': out.key }, this.timeoutMs);
  }
}
