import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ENV, Env } from '@vigil/common';
import { DataSource } from 'typeorm';

/**
 * The seeds' error-monitor settings work as they are: SMTP_SERVER, SMTP_PORT,
 * ALERT_EMAIL_FROM, ALERT_EMAIL_PASSWORD, ALERT_EMAIL_TO make an "email (env)"
 * channel, SLACK_WEBHOOK_URL and SLACK_ALERT_CHANNEL a "slack (env)" one, with
 * routes critical → email and Slack, warning → Slack. The routes `continue`,
 * so they add to the routes users made rather than take alerts from them.
 * Secrets stay in the environment: the channels name the variables.
 * Re-applied at every boot.
 */
@Injectable()
export class EnvChannels implements OnApplicationBootstrap {
  private readonly logger = new Logger('Notifications');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const env = this.env;
    const made: Record<string, string> = {};
    if (env.SMTP_SERVER && env.ALERT_EMAIL_FROM && env.ALERT_EMAIL_TO) {
      made.email = await this.upsert('email (env)', 'email', {
        host: env.SMTP_SERVER,
        port: env.SMTP_PORT,
        from: env.ALERT_EMAIL_FROM,
        to: env.ALERT_EMAIL_TO.split(',').map((a) => a.trim()).filter(Boolean),
        ...(env.ALERT_EMAIL_PASSWORD ? { user: env.ALERT_EMAIL_FROM } : {}),
      }, env.ALERT_EMAIL_PASSWORD ? { password: { env: 'ALERT_EMAIL_PASSWORD' } } : {});
    }
    if (env.SLACK_WEBHOOK_URL) {
      made.slack = await this.upsert('slack (env)', 'slack', env.SLACK_ALERT_CHANNEL ? { channel: env.SLACK_ALERT_CHANNEL } : {}, { url: { env: 'SLACK_WEBHOOK_URL' } });
    }
    const critical = [made.email, made.slack].filter(Boolean);
    if (critical.length) await this.route('critical (env)', 10, 'critical', critical);
    if (made.slack) await this.route('warning (env)', 20, 'warning', [made.slack]);
    if (critical.length) this.logger.log({ channels: Object.keys(made) }, 'channels from the environment');
  }

  private async upsert(name: string, type: string, config: object, secrets: object): Promise<string> {
    const [row] = await this.db.query(
      `INSERT INTO channels (name, type, config, secrets) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET config = EXCLUDED.config, secrets = EXCLUDED.secrets, updated_at = now() RETURNING id`,
      [name, type, config, secrets],
    );
    return row.id;
  }

  private async route(name: string, position: number, severity: string, channelIds: string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO notification_routes (name, position, matchers, channel_ids, fallback_channel_id, continue)
       VALUES ($1, $2, $3, $4, (SELECT id FROM channels WHERE name = 'log'), true)
       ON CONFLICT (name) DO UPDATE SET channel_ids = EXCLUDED.channel_ids, updated_at = now()`,
      [name, position, JSON.stringify([{ name: 'severity', op: '=', value: severity }]), channelIds],
    );
  }
}
