import { isIP } from 'node:net';
import { createTransport } from 'nodemailer';
import type { OutboundGuard } from '../outbound-guard';
import { messageTitle } from '../message';
import { Outgoing, renderHtml, renderText } from '../render';
import type { ChannelRow, ChannelSender, OpenSecret } from './channel';

interface EmailConfig {
  host: string;
  port?: number;
  secure?: boolean;
  requireTLS?: boolean;
  rejectUnauthorized?: boolean;
  user?: string;
  from: string;
  to: string[];
}

/**
 * Email over SMTP with nodemailer: TLS from the start on port 465 (or
 * `secure`), STARTTLS otherwise (required with `requireTLS`), AUTH when a
 * user is set. The server's address is checked by the outbound guard and
 * connected to directly, with the name kept for TLS.
 */
export class EmailSender implements ChannelSender {
  constructor(
    private readonly guard: OutboundGuard,
    private readonly timeoutMs: number,
  ) {}

  target(channel: ChannelRow): string {
    const config = channel.config as unknown as EmailConfig;
    return `smtp:${config.host}:${config.port ?? 587}`;
  }

  async send(channel: ChannelRow, out: Outgoing, secret: OpenSecret): Promise<void> {
    const config = channel.config as unknown as EmailConfig;
    const port = config.port ?? 587;
    const address = await this.guard.resolve(config.host);
    const password = secret('password');
    const transport = createTransport({
      host: address,
      port,
      secure: config.secure ?? port === 465,
      requireTLS: config.requireTLS ?? false,
      auth: config.user ? { user: config.user, pass: password ?? '' } : undefined,
      // SNI takes a name only (RFC 6066).
      tls: { servername: isIP(config.host) ? undefined : config.host, rejectUnauthorized: config.rejectUnauthorized ?? true },
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
    });
    try {
      await transport.sendMail({
        from: config.from,
        to: config.to,
        subject: messageTitle(out.message),
        text: renderText(out.message),
        html: renderHtml(out.message),
        // A receiver (or a mail system) can drop the second copy of one delivery by its Message-ID.
        messageId: `<${out.key}@vigil>`,
        headers: { 'X-Vigil-Delivery': out.key },
      });
    } finally {
      transport.close();
    }
  }
}
