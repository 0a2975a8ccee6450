import { Inject, Injectable } from '@nestjs/common';
import { BreakerRegistry } from '@vigil/breakers';
import { ENV, Env } from '@vigil/common';
import { ChannelRow, ChannelSender, ChannelType } from './channels/channel';
import { EmailSender } from './channels/email.sender';
import { FileSender } from './channels/file.sender';
import { LogSender } from './channels/log.sender';
import { SlackSender } from './channels/slack.sender';
import { WebhookSender } from './channels/webhook.sender';
import { OutboundGuard } from './outbound-guard';
import type { Outgoing } from './render';
import { SecretBox, StoredSecret } from './secret-box';

/**
 * Sends through the right channel type, behind one breaker per receiver (a
 * dead receiver fails fast instead of holding a worker for its timeout), with
 * the channel's secrets opened only for the call.
 */
@Injectable()
export class ChannelSenders {
  readonly box: SecretBox;
  /** Where links in messages point. */
  readonly dashboardUrl: string;
  private readonly senders: Record<ChannelType, ChannelSender>;

  constructor(
    @Inject(ENV) private readonly env: Env,
    private readonly breakers: BreakerRegistry,
  ) {
    this.box = new SecretBox(env);
    this.dashboardUrl = `${env.PUBLIC_URL.replace(/\/$/, '')}/`;
    const guard = new OutboundGuard(env.NOTIFY_ALLOWED_HOSTS);
    this.senders = {
      log: new LogSender(),
      file: new FileSender(),
      email: new EmailSender(guard, env.NOTIFY_TIMEOUT_MS),
      slack: new SlackSender(guard, env.NOTIFY_TIMEOUT_MS),
      webhook: new WebhookSender(guard, env.NOTIFY_TIMEOUT_MS),
    };
  }

  async send(channel: ChannelRow, out: Outgoing): Promise<void> {
    const sender = this.senders[channel.type];
    const breaker = this.breakers.forTarget(`notify:${sender.target(channel)}`, {
      failureThreshold: this.env.NOTIFY_BREAKER_FAILURES,
      resetMs: this.env.NOTIFY_BREAKER_RESET_MS,
      // The sender has its own timeout; the breaker's is a backstop.
      timeoutMs: this.env.NOTIFY_TIMEOUT_MS * 3,
    });
    const open = (name: string): string | undefined => {
      const [first, second] = name.split('.');
      const entry = channel.secrets[first] as StoredSecret | Record<string, StoredSecret> | undefined;
      const secret = second === undefined ? (entry as StoredSecret | undefined) : (entry as Record<string, StoredSecret> | undefined)?.[second];
      return secret ? this.box.open(secret) : undefined;
    };
    await breaker.run(() => sender.send(channel, out, open));
  }
}
