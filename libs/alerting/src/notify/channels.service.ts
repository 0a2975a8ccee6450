import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ajv, BadGatewayError, bodyValidator, ConflictError, NotFoundError, toFieldIssues, ValidationError } from '@vigil/common';
import { DataSource } from 'typeorm';
import { ChannelSenders } from './channel-senders';
import { CHANNEL_TYPES, ChannelRow, ChannelType } from './channels/channel';
import { CHANNEL_SCHEMAS } from './channels/channel-schemas';
import type { NotificationMessage } from './message';
import { describeSecret, SecretInput, StoredSecret } from './secret-box';

export interface ChannelInput {
  name: string;
  type: ChannelType;
  config?: Record<string, unknown>;
  secrets?: Record<string, SecretInput | Record<string, SecretInput> | null>;
  rateLimitPerMinute?: number;
}

const base = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  config: { type: 'object' },
  secrets: { type: 'object' },
  rateLimitPerMinute: { type: 'integer', minimum: 1, maximum: 100_000 },
};
const createShape = bodyValidator<ChannelInput>({
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type'],
  properties: { ...base, type: { type: 'string', enum: [...CHANNEL_TYPES] } },
});
const updateShape = bodyValidator<Partial<ChannelInput>>({ type: 'object', additionalProperties: false, minProperties: 1, properties: base });

const perType = Object.fromEntries(
  CHANNEL_TYPES.map((type) => [type, { config: ajv.compile(CHANNEL_SCHEMAS[type].config), secrets: ajv.compile(CHANNEL_SCHEMAS[type].secrets) }]),
) as Record<ChannelType, { config: ReturnType<typeof ajv.compile>; secrets: ReturnType<typeof ajv.compile> }>;

function checkPart(type: ChannelType, part: 'config' | 'secrets', value: unknown): void {
  const validate = perType[type][part];
  if (!validate(value)) throw new ValidationError(toFieldIssues(validate.errors).map((i) => ({ ...i, path: i.path === 'body' ? part : `${part}.${i.path}` })));
}

const COLUMNS = `id, name, type, config, secrets, rate_limit_per_minute AS "rateLimitPerMinute", created_at AS "createdAt", updated_at AS "updatedAt"`;

/** A channel as the API shows it: secrets by origin (`{env}` or "[stored]"), never by value. */
export function channelView(row: ChannelRow & Record<string, unknown>) {
  const secrets = Object.fromEntries(
    Object.entries(row.secrets).map(([k, v]) => [
      k,
      'env' in v || 'enc' in v ? describeSecret(v as StoredSecret) : Object.fromEntries(Object.entries(v as Record<string, StoredSecret>).map(([h, s]) => [h, describeSecret(s)])),
    ]),
  );
  return { ...row, secrets };
}

/** Channels: where notifications go. Secrets are sealed on the way in and never leave. */
@Injectable()
export class ChannelsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly senders: ChannelSenders,
  ) {}

  async list() {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM channels ORDER BY name`);
    return rows.map(channelView);
  }

  async get(id: string) {
    return channelView(await this.row(id));
  }

  async row(id: string): Promise<ChannelRow & Record<string, unknown>> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM channels WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError(`channel ${id} not found`);
    return row;
  }

  /** Creates a channel; a webhook without a signing secret gets one, shown in this answer only. */
  async create(body: unknown) {
    const input = createShape(body);
    const config = input.config ?? {};
    const secretsIn = { ...(input.secrets ?? {}) };
    checkPart(input.type, 'config', config);
    checkPart(input.type, 'secrets', secretsIn);
    let generated: string | undefined;
    if (input.type === 'webhook' && !secretsIn.signingSecret && this.senders.box.canStore) {
      generated = `whsec_${randomBytes(24).toString('base64')}`;
      secretsIn.signingSecret = generated;
    }
    const secrets = this.seal(secretsIn as Record<string, SecretInput | Record<string, SecretInput>>);
    try {
      const [row] = await this.db.query(
        `INSERT INTO channels (name, type, config, secrets, rate_limit_per_minute) VALUES ($1, $2, $3, $4, coalesce($5, 60)) RETURNING ${COLUMNS}`,
        [input.name, input.type, config, secrets, input.rateLimitPerMinute ?? null],
      );
      return { ...channelView(row), ...(generated ? { signingSecret: generated } : {}) };
    } catch (error) {
      throw this.conflict(error, input.name);
    }
  }

  /** Replaces `config` whole; merges `secrets` (a key set to null removes that secret). */
  async update(id: string, body: unknown) {
    const input = updateShape(body);
    const current = await this.row(id);
    const config = input.config ?? current.config;
    checkPart(current.type, 'config', config);
    let secrets = current.secrets;
    if (input.secrets) {
      const removed = Object.entries(input.secrets).filter(([, v]) => v === null).map(([k]) => k);
      const given = Object.fromEntries(Object.entries(input.secrets).filter(([, v]) => v !== null)) as Record<string, SecretInput | Record<string, SecretInput>>;
      checkPart(current.type, 'secrets', given);
      secrets = { ...current.secrets, ...this.seal(given) };
      for (const key of removed) delete secrets[key];
      if (current.type === 'slack' && !secrets.url) throw new ValidationError([{ path: 'secrets.url', message: 'is required' }]);
    }
    try {
      const [[row]] = await this.db.query(
        `UPDATE channels SET name = $2, config = $3, secrets = $4, rate_limit_per_minute = $5, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, input.name ?? current.name, config, secrets, input.rateLimitPerMinute ?? current.rateLimitPerMinute],
      );
      return channelView(row);
    } catch (error) {
      throw this.conflict(error, input.name ?? current.name);
    }
  }

  async remove(id: string): Promise<void> {
    await this.row(id);
    const routes: Array<{ name: string }> = await this.db.query(
      `SELECT name FROM notification_routes WHERE $1 = ANY(channel_ids) OR $1 = ANY(escalation_channel_ids) OR fallback_channel_id = $1 ORDER BY name`,
      [id],
    );
    if (routes.length) throw new ConflictError(`channel ${id} is used by route(s) ${routes.map((r) => `"${r.name}"`).join(', ')}; change them first`);
    await this.db.query(`DELETE FROM channels WHERE id = $1`, [id]);
  }

  /** Sends a test message now, through the real channel; a failure is a 502 saying what the receiver did. */
  async test(id: string) {
    const channel = await this.row(id);
    const at = new Date().toISOString();
    const message: NotificationMessage = {
      kind: 'alerts',
      status: 'firing',
      severity: 'warning',
      route: null,
      groupKey: null,
      groupLabels: { test: 'true' },
      alerts: [
        { alertId: '00000000-0000-4000-8000-000000000000', rule: 'vigil test', type: 'firing', status: 'firing', severity: 'warning', summary: `test notification for channel "${channel.name}"`, labels: { test: 'true' }, value: null, threshold: null, startedAt: at, at },
      ],
      truncatedAlerts: 0,
      links: { dashboard: this.senders.dashboardUrl },
    };
    try {
      await this.senders.send(channel, { deliveryId: 'test', key: randomBytes(16).toString('hex'), message });
    } catch (error) {
      throw new BadGatewayError(`the test notification failed: ${(error as Error).message}`);
    }
    return { ok: true, channel: channel.name };
  }

  private seal(secrets: Record<string, SecretInput | Record<string, SecretInput>>): Record<string, StoredSecret | Record<string, StoredSecret>> {
    return Object.fromEntries(
      Object.entries(secrets).map(([key, value]) => [
        key,
        key === 'headers'
          ? Object.fromEntries(Object.entries(value as Record<string, SecretInput>).map(([h, v]) => [h, this.senders.box.seal(v, `secrets.headers.${h}`)]))
          : this.senders.box.seal(value as SecretInput, `secrets.${key}`),
      ]),
    );
  }

  private conflict(error: unknown, name: string): unknown {
    return (error as { code?: string }).code === '23505' ? new ConflictError(`a channel named "${name}" already exists`) : error;
  }
}
