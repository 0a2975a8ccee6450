import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { useStack } from '../helpers/apps';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';
import { HttpReceiver, SmtpReceiver } from '../helpers/receivers';

const SLACK_URL_SECRET = 'VIGIL_SECRET_TEST_SLACK_URL';

describe('notification channels over HTTP', () => {
  const webhook = new HttpReceiver();
  const slack = new HttpReceiver();
  const smtp = new SmtpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-file-channel-'));
  const env = testEnv();
  // Receivers first: the API reads the Slack URL variable when it boots.
  beforeAll(async () => {
    await Promise.all([webhook.start(), slack.start(), smtp.start()]);
    env[SLACK_URL_SECRET] = `${slack.url}/services/T000/B000/XXXX`;
  });
  const made: string[] = [];
  // Declared before the stack so it runs while the API still listens (Jest runs afterAll hooks in order).
  afterAll(async () => {
    for (const id of made) await call('DELETE', `channels/${id}`);
    await Promise.all([webhook.stop(), slack.stop(), smtp.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const stack = useStack(env, { worker: false });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.api.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : null };
  };
  const create = async (body: Record<string, unknown>) => {
    const created = await call('POST', 'channels', { ...body, name: `${body.name}-${Date.now()}` });
    expect(created.status).toBe(201);
    made.push(created.body.id);
    return created.body;
  };

  it('webhook: signed per Standard Webhooks with a secret shown once, never returned again', async () => {
    const channel = await create({ name: 'hook', type: 'webhook', config: { url: `${webhook.url}/hook`, headers: { 'x-team': 'payments' } }, secrets: { headers: { authorization: 'Bearer receiver-token-123' } } });
    expect(channel.signingSecret).toMatch(/^whsec_/);
    expect(channel.secrets).toEqual({ signingSecret: '[stored]', headers: { authorization: '[stored]' } });

    const tested = await call('POST', `channels/${channel.id}/test`);
    expect(tested).toMatchObject({ status: 200, body: { ok: true } });
    const [got] = webhook.received.splice(0);
    expect(got.headers['x-team']).toBe('payments');
    expect(got.headers.authorization).toBe('Bearer receiver-token-123');
    expect(got.headers['webhook-id']).toMatch(/^msg_/);
    // Throws unless the signature over id, timestamp and body is right.
    expect(new Webhook(channel.signingSecret).verify(got.body, got.headers as Record<string, string>)).toMatchObject({ kind: 'alerts', status: 'firing' });
    expect(() => new Webhook(`whsec_${Buffer.from('another secret of 24 bytes').toString('base64')}`).verify(got.body, got.headers as Record<string, string>)).toThrow();

    for (const shown of [await call('GET', `channels/${channel.id}`), await call('GET', 'channels')]) {
      expect(shown.status).toBe(200);
      expect(shown.text).not.toContain(channel.signingSecret.slice(6));
      expect(shown.text).not.toContain('receiver-token-123');
    }
    const { rows } = await stack.pool.query(`SELECT secrets::text AS s FROM channels WHERE id = $1`, [channel.id]);
    expect(rows[0].s).not.toContain('receiver-token-123');
  });

  it("webhook: Alertmanager's version-4 payload on request", async () => {
    const channel = await create({ name: 'am', type: 'webhook', config: { url: `${webhook.url}/am`, format: 'alertmanager' } });
    expect((await call('POST', `channels/${channel.id}/test`)).status).toBe(200);
    const [got] = webhook.received.splice(0);
    expect(got.json).toMatchObject({ version: '4', status: 'firing', truncatedAlerts: 0, alerts: [{ status: 'firing', labels: { alertname: 'vigil test', severity: 'warning' } }] });
    expect(got.json.alerts[0].endsAt).toBe('0001-01-01T00:00:00Z');
  });

  it('slack: blocks in an attachment coloured by severity; the URL is a secret named by variable', async () => {
    const named = await call('POST', 'channels', { name: `slack-missing-${Date.now()}`, type: 'slack', secrets: { url: { env: 'VIGIL_SECRET_NOT_SET' } } });
    expect(named.status).toBe(400);
    expect(named.body.error.details[0].path).toBe('secrets.url.env');

    const channel = await create({ name: 'slack', type: 'slack', config: { channel: '#alerts' }, secrets: { url: { env: SLACK_URL_SECRET } } });
    expect(channel.secrets).toEqual({ url: { env: SLACK_URL_SECRET } });
    expect((await call('POST', `channels/${channel.id}/test`)).status).toBe(200);
    const [got] = slack.received.splice(0);
    expect(got.json.channel).toBe('#alerts');
    expect(got.json.attachments[0].color).toBe('#f59e0b');
    expect(got.json.attachments[0].blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(got.json.attachments[0].blocks)).toContain('test notification');
  });

  it('email: STARTTLS and AUTH against a real SMTP server, HTML and text bodies, the delivery key as Message-ID', async () => {
    const channel = await create({
      name: 'mail',
      type: 'email',
      config: { host: '127.0.0.1', port: smtp.port, requireTLS: true, rejectUnauthorized: false, user: 'vigil@example.com', from: 'vigil@example.com', to: ['oncall@example.com'] },
      secrets: { password: 'smtp-password-456' },
    });
    expect(channel.secrets).toEqual({ password: '[stored]' });
    expect((await call('POST', `channels/${channel.id}/test`)).status).toBe(200);
    expect(smtp.logins).toEqual([{ username: 'vigil@example.com', password: 'smtp-password-456' }]);
    expect(smtp.secured).toEqual([true]);
    const [mail] = smtp.messages;
    expect(mail.subject).toContain('[FIRING:WARNING]');
    expect(mail.text).toContain('Dashboard: http://localhost:3000/');
    expect(mail.html).toContain('#f59e0b');
    expect(mail.html).toContain('Acknowledge');
    expect(mail.messageId).toMatch(/@vigil>$/);
  });

  it('file: JSON lines, rotated by size, keeping maxFiles files', async () => {
    const path = join(dir, 'alerts.jsonl');
    const channel = await create({ name: 'file', type: 'file', config: { path, maxBytes: 1024, maxFiles: 3 } });
    const sends = 12;
    for (let i = 0; i < sends; i++) expect((await call('POST', `channels/${channel.id}/test`)).status).toBe(200);
    expect(readdirSync(dir).sort()).toEqual(['alerts.jsonl', 'alerts.jsonl.1', 'alerts.jsonl.2']);
    const read = (name: string) => readFileSync(join(dir, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const kept = ['alerts.jsonl.2', 'alerts.jsonl.1', 'alerts.jsonl'].flatMap(read);
    for (const name of ['alerts.jsonl.1', 'alerts.jsonl.2']) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(1024);
    expect(kept[0]).toMatchObject({ kind: 'alerts', status: 'firing' });
    // The oldest lines rotated away; what is kept is the newest, in order.
    expect(kept.length).toBeLessThan(sends);
    const times = kept.map((l) => l.at);
    expect([...times].sort()).toEqual(times);
  });

  it('refuses loopback, private and metadata addresses not allowed, at connect time', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/hook', `http://[::1]:${new URL(webhook.url).port}/hook`, 'http://localhost6:1/hook']) {
      const channel = await create({ name: 'ssrf', type: 'webhook', config: { url, timeoutMs: 500 } });
      const tested = await call('POST', `channels/${channel.id}/test`);
      expect(tested.status).toBe(502);
      expect(tested.body.error.message).toMatch(/NOTIFY_ALLOWED_HOSTS|ENOTFOUND|EAI_AGAIN/);
    }
    expect(webhook.received).toHaveLength(0);
  });

  it('changes a channel and a route, and rejects routes naming what does not exist', async () => {
    const channel = await create({ name: 'edit', type: 'webhook', config: { url: `${webhook.url}/old` } });
    const patched = await call('PATCH', `channels/${channel.id}`, { config: { url: `${webhook.url}/new` }, rateLimitPerMinute: 5 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: channel.id, config: { url: `${webhook.url}/new` }, rateLimitPerMinute: 5, secrets: { signingSecret: '[stored]' } });
    expect((await call('POST', `channels/${channel.id}/test`)).status).toBe(200);
    const [got] = webhook.received.splice(0);
    // The signing secret survives an edit that does not mention it.
    expect(new Webhook(channel.signingSecret).verify(got.body, got.headers as Record<string, string>)).toMatchObject({ kind: 'alerts' });
    expect((await call('PATCH', `channels/${channel.id}`, { config: { url: 'not a url' } })).body.error.details[0].path).toBe('config.url');

    const unknown = '00000000-0000-4000-8000-000000000000';
    const bad: Array<[unknown, string]> = [
      [{ name: 'r', channelIds: [unknown] }, 'channelIds[0]'],
      [{ name: 'r', channelIds: [] }, 'channelIds'],
      [{ name: 'r', channelIds: [channel.id], escalateAfterSeconds: 300 }, 'escalationChannelIds'],
      [{ name: 'r', channelIds: [channel.id], matchers: [{ name: 'severity', op: '==', value: 'critical' }] }, 'matchers[0].op'],
    ];
    for (const [body, path] of bad) {
      const response = await call('POST', 'routes', body);
      expect({ status: response.status, path: response.body.error.details?.[0]?.path }).toEqual({ status: 400, path });
    }
    const route = await call('POST', 'routes', { name: `critical-${Date.now()}`, matchers: [{ name: 'severity', op: '=', value: 'critical' }], channelIds: [channel.id] });
    expect(route.status).toBe(201);
    expect(route.body).toMatchObject({ groupBy: ['rule'], groupWaitSeconds: 0, groupIntervalSeconds: 60, repeatIntervalSeconds: 14400, sendResolved: true, continue: false });
    const changed = await call('PATCH', `routes/${route.body.id}`, { groupBy: ['service'], groupWaitSeconds: 30 });
    expect(changed.body).toMatchObject({ id: route.body.id, groupBy: ['service'], groupWaitSeconds: 30 });
    expect((await call('GET', `routes/${route.body.id}`)).body.groupBy).toEqual(['service']);
    // A channel a route sends to cannot be deleted from under it.
    expect((await call('DELETE', `channels/${channel.id}`)).status).toBe(409);
    expect((await call('DELETE', `routes/${route.body.id}`)).status).toBe(204);
    expect((await call('GET', `routes/${route.body.id}`)).status).toBe(404);
  });

  it('rejects bad channels naming the field, and changes nothing', async () => {
    const before = (await call('GET', 'channels')).body.channels.length;
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', type: 'pager' }, 'type'],
      [{ name: 'x', type: 'webhook', config: {} }, 'config.url'],
      [{ name: 'x', type: 'webhook', config: { url: 'ftp://example.com' } }, 'config.url'],
      [{ name: 'x', type: 'file', config: { path: 'relative.log' } }, 'config.path'],
      [{ name: 'x', type: 'email', config: { host: 'smtp', from: 'a@b.c', to: [] } }, 'config.to'],
      [{ name: 'x', type: 'slack', secrets: {} }, 'secrets.url'],
      [{ name: 'x', type: 'log', secret: 1 }, 'secret'],
    ];
    for (const [body, path] of cases) {
      const response = await call('POST', 'channels', body);
      expect({ status: response.status, path: response.body.error.details?.[0]?.path }).toEqual({ status: 400, path });
    }
    expect((await call('GET', 'channels')).body.channels).toHaveLength(before);
  });
});

describe('channels without an encryption key', () => {
  const stack = useStack(testEnv({ ENCRYPTION_KEY: '' }), { worker: false });

  it('refuses a literal secret and says how to give it instead', async () => {
    const response = await fetch(`${stack.api.url}/api/v1/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `slack-nokey-${Date.now()}`, type: 'slack', secrets: { url: 'https://hooks.slack.com/services/T/B/X' } }),
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.details[0]).toEqual({ path: 'secrets.url', message: expect.stringContaining('ENCRYPTION_KEY is not set') });
  });
});

describe("channels from the seeds' environment variables", () => {
  const slack = new HttpReceiver();
  const env = testEnv({ SMTP_SERVER: 'smtp.example.com', SMTP_PORT: '2525', ALERT_EMAIL_FROM: 'vigil@example.com', ALERT_EMAIL_PASSWORD: 'env-smtp-pass-789', ALERT_EMAIL_TO: 'a@example.com, b@example.com', SLACK_ALERT_CHANNEL: '#ops' });
  beforeAll(async () => {
    await slack.start();
    env.SLACK_WEBHOOK_URL = `${slack.url}/services/T1/B1/ENV`;
  });
  // The worker applies them at boot; removed at once after, since routes are shared by every test file.
  const stack = useStack(env);
  afterAll(() => slack.stop());

  it('makes email and Slack channels and routes that name the variables, never copy them', async () => {
    const { rows: channels } = await stack.pool.query(`SELECT id, name, type, config, secrets FROM channels WHERE name IN ('email (env)', 'slack (env)') ORDER BY name`);
    const { rows: routes } = await stack.pool.query(`SELECT name, matchers, channel_ids AS "channelIds", continue FROM notification_routes WHERE name LIKE '% (env)' ORDER BY name`);
    try {
      expect(channels.map((c) => [c.name, c.type])).toEqual([['email (env)', 'email'], ['slack (env)', 'slack']]);
      const [email, slackChannel] = channels;
      expect(email.config).toEqual({ host: 'smtp.example.com', port: 2525, from: 'vigil@example.com', to: ['a@example.com', 'b@example.com'], user: 'vigil@example.com' });
      expect(email.secrets).toEqual({ password: { env: 'ALERT_EMAIL_PASSWORD' } });
      expect(slackChannel.secrets).toEqual({ url: { env: 'SLACK_WEBHOOK_URL' } });
      expect(routes).toEqual([
        { name: 'critical (env)', matchers: [{ name: 'severity', op: '=', value: 'critical' }], channelIds: [email.id, slackChannel.id], continue: true },
        { name: 'warning (env)', matchers: [{ name: 'severity', op: '=', value: 'warning' }], channelIds: [slackChannel.id], continue: true },
      ]);
      const tested = await fetch(`${stack.api.url}/api/v1/channels/${slackChannel.id}/test`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(tested.status).toBe(200);
      expect(slack.received[0].json.channel).toBe('#ops');
    } finally {
      await stack.pool.query(`DELETE FROM notification_routes WHERE name LIKE '% (env)'`);
      await stack.pool.query(`DELETE FROM channels WHERE name IN ('email (env)', 'slack (env)')`);
    }
  });
});
