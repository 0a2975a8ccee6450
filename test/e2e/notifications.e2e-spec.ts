import { getQueueToken } from '@nestjs/bullmq';
import { JobName, JobsService, QueueName } from '@vigil/common';
import { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { createProjectKey, exited, ingest, requestEvents, runCli, spawnWorker, Stack, useStack } from '../helpers/apps';
import { countRows, eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';
import { HttpReceiver, Received } from '../helpers/receivers';

/** The management API of one stack, as a client sees it. */
function api(stack: Stack) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.api.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
}

/** Slow requests for a service, now: with a `forEvaluations: 0` rule the worker evaluates them as they are written. */
async function breach(stack: Stack, key: string, service: string, durationMs: number, routes = 1) {
  const events = Array.from({ length: routes }, (_, r) =>
    requestEvents(20, service, { timestamp: Date.now() - 1000, durationMs, status: 200, route: `/r${r}` }),
  ).flat();
  expect((await ingest(stack.api.url, 'requests', key, { events })).status).toBe(202);
}

const alertsFrom = (received: Received[]) => received.flatMap((r) => r.json.alerts ?? []);

describe('notifications from ingested traffic', () => {
  const hook = new HttpReceiver();
  const fallback = new HttpReceiver();
  const pager = new HttpReceiver();
  beforeAll(() => Promise.all([hook.start(), fallback.start(), pager.start()]));
  afterAll(() => Promise.all([hook.stop(), fallback.stop(), pager.stop()]));
  const env = testEnv({ NOTIFY_ATTEMPTS: '5', NOTIFY_BACKOFF_BASE_MS: '50', NOTIFY_BACKOFF_MAX_MS: '300' });
  // This file's rules go before the stack does: any file's data triggers an instant evaluation of every rule.
  afterAll(() => stack.pool.query(`DELETE FROM alert_rules WHERE name LIKE $1`, [`%${service}%`]));
  const stack = useStack(env);
  const call = api(stack);
  const service = `notify-${Date.now()}`;
  let key: string;
  let secret: string;
  let routeId: string;
  let ruleId: string;

  /** The sweep as the 10-second cron enqueues it: escalations, due groups, orphaned deliveries. */
  const sweep = async () => {
    const jobId = `sweep-test-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    await stack.worker!.app.get(JobsService).add(JobName.SweepNotifications, { tick: new Date().toISOString() }, jobId);
    const queue = stack.worker!.app.get<Queue>(getQueueToken(QueueName.Notify));
    await eventually(async () => (await queue.getJobState(jobId)) === 'completed', `sweep ${jobId}`);
  };
  /**
   * Waits for what the notify queue does, sweeping every 2 s as the 10-second cron would: in the
   * shared test database another file's worker may take a job and close before running it.
   */
  const settled = async (check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000) => {
    let swept = Date.now();
    await eventually(async () => {
      if (await check()) return true;
      if (Date.now() - swept > 2000) {
        await sweep();
        swept = Date.now();
      }
      return false;
    }, what, timeoutMs);
  };
  const alertOf = async (svc: string) => (await call('GET', `alerts?state=active&service=${svc}`)).body.items[0];
  /** A p95 rule on one service that fires on the first breach (`forEvaluations: 0`). */
  const instantRule = async (svc: string, extra: Record<string, unknown> = {}) => {
    const rule = await call('POST', 'rules', { name: `p95-${svc}`, kind: 'threshold', metric: 'p95', service: svc, windowSeconds: 60, warning: 2000, critical: 5000, forEvaluations: 0, minSamples: 10, ...extra });
    expect(rule.status).toBe(201);
    return rule.body.id as string;
  };
  const channel = async (name: string, url: string) => {
    const made = await call('POST', 'channels', { name: `${name}-${service}`, type: 'webhook', config: { url } });
    expect(made.status).toBe(201);
    return made.body;
  };

  beforeAll(async () => {
    let projectId: string;
    ({ key, projectId } = await createProjectKey(stack.api.url));
    const main = await channel('hook', `${hook.url}/alerts`);
    secret = main.signingSecret;
    const told = await channel('fallback', `${fallback.url}/failed`);
    const escalation = await channel('pager', `${pager.url}/page`);
    const route = await call('POST', 'routes', {
      name: `route-${service}`,
      position: 10,
      matchers: [{ name: 'service', op: '=~', value: `${service}.*` }],
      channelIds: [main.id],
      groupBy: ['rule', 'service'],
      groupWaitSeconds: 0,
      groupIntervalSeconds: 0,
      repeatIntervalSeconds: 0,
      sendResolved: true,
      fallbackChannelId: told.id,
      escalateAfterSeconds: 60,
      escalationChannelIds: [escalation.id],
    });
    expect(route.status).toBe(201);
    routeId = route.body.id;
    // A batch written before the rule exists: the worker has then been told "no instant rules" and must not keep that answer.
    expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(1, `warmup-${service}`) })).status).toBe(202);
    await eventually(async () => (await countRows(stack.pool, 'ingest_batches', projectId)) === 1, 'the warm-up batch');
    ruleId = await instantRule(service);
  });

  it('a breach becomes a signed webhook message within the instant evaluation, with no evaluation asked for', async () => {
    await breach(stack, key, service, 6000);
    await settled(async () => alertsFrom(hook.received).some((a) => a.labels.service === service), 'the webhook message');
    const [got] = hook.received;
    const message = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as Record<string, any>;
    expect(message).toMatchObject({ kind: 'alerts', status: 'firing', severity: 'critical', groupLabels: { service } });
    expect(message.alerts).toHaveLength(1);
    expect(message.alerts[0]).toMatchObject({ status: 'firing', severity: 'critical', labels: { service }, threshold: 5000 });
    expect(got.headers['webhook-id']).toMatch(/^msg_/);
  });

  it('acknowledging stops the escalation; resolving sends the resolved notice', async () => {
    const alert = await alertOf(service);
    // Make the alert look 2 minutes old, past the route's 60 s escalation delay.
    await stack.pool.query(`UPDATE performance_alerts SET started_at = now() - interval '2 minutes' WHERE id = $1`, [alert.id]);
    await sweep();
    await eventually(async () => pager.received.length === 1, 'the escalation page');
    expect(pager.received[0].json).toMatchObject({ kind: 'escalation', escalation: 1, alerts: [{ alertId: alert.id }] });

    expect((await call('POST', `alerts/${alert.id}/ack`, { by: 'ann' })).status).toBe(200);
    await stack.pool.query(`UPDATE performance_alerts SET escalated_at = now() - interval '2 minutes' WHERE id = $1`, [alert.id]);
    await sweep();
    const { rows } = await stack.pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE kind = 'escalation' AND message->'alerts'->0->>'alertId' = $1`, [alert.id]);
    expect(rows[0].n).toBe(1);

    expect((await call('POST', `alerts/${alert.id}/resolve`, { by: 'ann' })).status).toBe(200);
    await settled(async () => alertsFrom(hook.received).some((a) => a.alertId === alert.id && a.status === 'resolved'), 'the resolved notice');
    const statuses = alertsFrom(hook.received).filter((a) => a.alertId === alert.id).map((a) => a.status);
    expect(statuses).toEqual(['firing', 'resolved']);
    // Deleted, or the next instant evaluation (anyone's data triggers one) would open a new alert on the same slow minute.
    expect((await call('DELETE', `rules/${ruleId}`)).status).toBe(204);
  });

  it('a receiver down for a while: every message arrives once, in order within its group', async () => {
    const svc = `${service}-flaky`;
    const flakyRule = await instantRule(svc);
    hook.received.length = 0;
    // Only this service's messages fail: a late message of the previous test must not use up the failures.
    hook.failNext(3, (body) => body.includes(svc));
    await breach(stack, key, svc, 6000);
    await settled(async () => !!(await alertOf(svc)), 'the alert');
    const alert = await alertOf(svc);
    // The resolved notice queues behind the firing one, which is still being retried.
    expect((await call('POST', `alerts/${alert.id}/resolve`, {})).status).toBe(200);
    await settled(async () => alertsFrom(hook.received).filter((a) => a.alertId === alert.id).length >= 2, 'both messages');
    await sweep();
    const mine = alertsFrom(hook.received).filter((a) => a.alertId === alert.id);
    expect(mine.map((a) => a.status)).toEqual(['firing', 'resolved']);
    const ids = hook.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    const { rows } = await stack.pool.query(
      `SELECT d.state, d.attempts FROM deliveries d JOIN notifications n ON d.notification_ids @> ARRAY[n.id] WHERE n.alert_id = $1 AND d.route_id = $2 ORDER BY d.id`,
      [alert.id, routeId],
    );
    expect(rows.map((r: { state: string }) => r.state)).toEqual(['sent', 'sent']);
    // The firing message was tried until the receiver came back; the resolved one waited its turn and went at once.
    expect(rows[0].attempts).toBeGreaterThan(1);
    expect(rows[1].attempts).toBe(1);
    expect((await call('DELETE', `rules/${flakyRule}`)).status).toBe(204);
  });

  it('a receiver down for good: dead letter, the fallback told, re-driven once it is back', async () => {
    const svc = `${service}-down`;
    await instantRule(svc);
    hook.down(true);
    await breach(stack, key, svc, 6000);
    const told = () => fallback.received.filter((r) => r.json.alerts[0]?.labels.service === svc);
    await settled(async () => told().length > 0, 'the fallback message');
    expect(told()).toHaveLength(1);
    expect(told()[0].json).toMatchObject({ kind: 'fallback', failure: { channel: `hook-${service}`, attempts: 5 }, alerts: [{ labels: { service: svc } }] });

    const dead = await call('GET', 'notifications?state=dead');
    const notice = dead.body.items.find((n: { summary: string }) => n.summary.includes(svc));
    expect(notice.deliveries).toEqual(expect.arrayContaining([expect.objectContaining({ state: 'dead', attempts: 5, channel: `hook-${service}` })]));

    hook.down(false);
    const before = hook.received.length;
    const retried = await call('POST', `notifications/${notice.id}/retry`);
    expect(retried.status).toBe(202);
    await settled(async () => alertsFrom(hook.received.slice(before)).some((a) => a.labels.service === svc), 'the re-driven delivery');
    await eventually(async () => (await call('GET', 'notifications?state=sent')).body.items.some((n: { id: string }) => n.id === notice.id), 'the notice sent');
    expect((await call('POST', `notifications/${notice.id}/retry`)).status).toBe(409);
  });

  it('`vigil send-alerts --retry-dead` re-drives every dead letter through the worker', async () => {
    const svc = `${service}-cli`;
    await instantRule(svc);
    hook.down(true);
    await breach(stack, key, svc, 6000);
    const deadOf = async () =>
      (await stack.pool.query(`SELECT d.id FROM deliveries d JOIN notifications n ON d.notification_ids @> ARRAY[n.id] WHERE d.state = 'dead' AND n.payload->'labels'->>'service' = $1`, [svc])).rows;
    await settled(async () => (await deadOf()).length === 1, 'the dead letter');
    const [dead] = await deadOf();
    hook.down(false);
    const before = hook.received.length;

    const run = await runCli(env, ['send-alerts', '--retry-dead', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.revived).toContain(String(dead.id));
    expect(out.requeued).toBeGreaterThanOrEqual(1);
    await settled(async () => alertsFrom(hook.received.slice(before)).some((a) => a.labels.service === svc), 'the re-driven message');
    expect((await runCli(env, ['send-alerts', '--timeout', 'soon'])).stderr).toContain('--timeout must be a number of seconds');
  });

  it('repeats while firing and unacknowledged, within the channel rate limit', async () => {
    const svc = `${service}-repeat`;
    const limited = await call('POST', 'channels', { name: `limited-${service}`, type: 'webhook', config: { url: `${hook.url}/limited` }, rateLimitPerMinute: 2 });
    expect(limited.status).toBe(201);
    const route = await call('POST', 'routes', {
      name: `repeat-${service}`, position: 5, matchers: [{ name: 'service', op: '=', value: svc }], channelIds: [limited.body.id],
      groupBy: ['service'], groupWaitSeconds: 0, repeatIntervalSeconds: 1,
    });
    expect(route.status).toBe(201);
    const rule = await instantRule(svc);
    await breach(stack, key, svc, 3000);
    const mine = () => hook.received.filter((r) => r.json.groupLabels?.service === svc);
    await settled(async () => mine().length >= 2, 'the first message and its repeat');
    expect(mine().map((r) => r.json.kind)).toEqual(['alerts', 'repeat']);
    // The next repeat is due within a second, but the channel has sent its 2 for this minute: it waits, unsent and not failed.
    const deferred = async () =>
      (await stack.pool.query(`SELECT state, attempts FROM deliveries WHERE channel_id = $1 AND kind = 'repeat' ORDER BY id`, [limited.body.id])).rows;
    await settled(async () => (await deferred()).length >= 2, 'the third message held back');
    expect((await deferred())[1]).toEqual({ state: 'pending', attempts: 0 });
    expect(mine()).toHaveLength(2);
    expect((await call('DELETE', `rules/${rule}`)).status).toBe(204);
    expect((await call('DELETE', `routes/${route.body.id}`)).status).toBe(204);
  });

  it('a storm of alerts in one group is one message, not hundreds', async () => {
    const svc = `${service}-storm`;
    await instantRule(svc, { groupByEndpoint: true });
    const before = hook.received.length;
    await breach(stack, key, svc, 3000, 300);
    await settled(async () => hook.received.slice(before).some((r) => r.json.groupLabels?.service === svc), 'the storm message');
    await settled(async () => (await stack.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE payload->'labels'->>'service' = $1 AND state = 'routed'`, [svc])).rows[0].n === 0, 'all routed notices sent');
    const storm = hook.received.slice(before).filter((r) => r.json.groupLabels?.service === svc);
    const listed = storm.reduce((n, r) => n + r.json.alerts.length + r.json.truncatedAlerts, 0);
    expect(listed).toBe(300);
    expect(storm.length).toBeLessThanOrEqual(3);
    expect(storm[0].json.alerts.length).toBeLessThanOrEqual(50);
  });
});

describe('a worker killed mid-delivery', () => {
  const hook = new HttpReceiver();
  beforeAll(() => hook.start());
  afterAll(() => hook.stop());
  // No worker in this process: the ones that deliver are real processes, killed for real.
  const env = testEnv({ NOTIFY_TIMEOUT_MS: '30000' });
  afterAll(() => stack.pool.query(`DELETE FROM alert_rules WHERE name LIKE $1`, [`%${service}%`]));
  const stack = useStack(env, { worker: false });
  const call = api(stack);
  const service = `killed-${Date.now()}`;

  it('loses nothing; the retry repeats the message with the same webhook-id, as the README says', async () => {
    const made = await call('POST', 'channels', { name: `hook-${service}`, type: 'webhook', config: { url: `${hook.url}/alerts` } });
    expect((await call('POST', 'routes', { name: `route-${service}`, position: 10, matchers: [{ name: 'service', op: '=', value: service }], channelIds: [made.body.id] })).status).toBe(201);
    expect((await call('POST', 'rules', { name: `p95-${service}`, kind: 'threshold', metric: 'p95', service, windowSeconds: 60, warning: 2000, forEvaluations: 0, minSamples: 10 })).status).toBe(201);
    const { key } = await createProjectKey(stack.api.url);

    hook.stallNext(1);
    const first = spawnWorker(env);
    await breach(stack, key, service, 3000);
    await eventually(async () => hook.received.length === 1, 'the stalled delivery', 30_000);
    first.kill('SIGKILL');
    await exited(first);

    const second = spawnWorker(env);
    try {
      await eventually(
        async () => (await stack.pool.query(`SELECT state FROM deliveries WHERE channel_id = $1`, [made.body.id])).rows[0]?.state === 'sent',
        'the delivery sent by the second worker',
        30_000,
      );
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
    expect(hook.received).toHaveLength(2);
    const [a, b] = hook.received;
    expect(b.headers['webhook-id']).toBe(a.headers['webhook-id']);
    expect(b.body).toBe(a.body);
  });
});
