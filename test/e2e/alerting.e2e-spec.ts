import { getQueueToken } from '@nestjs/bullmq';
import { JobName, JobsService, QueueName } from '@vigil/common';
import { Queue } from 'bullmq';
import { createProjectKey, ingest, requestEvents, useStack } from '../helpers/apps';
import { eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

const MINUTE = 60_000;

describe('alerting over HTTP', () => {
  const stack = useStack(testEnv());
  const service = `alerting-${Date.now()}`;
  let projectId: string;
  let key: string;
  let ruleId: string;
  // Ticks from t1 to t1 + 8 min, evaluated in order: ahead of real time, but less than the
  // evaluator's 10-minute staleness limit, so other files' ticks at "now" still count.
  const t1 = Math.floor(Date.now() / MINUTE) * MINUTE;
  const t2 = t1 + MINUTE;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.api.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: response.status === 204 ? null : await response.json() };
  };
  const alerts = async (state = 'active') => (await call('GET', `alerts?state=${state}&service=${service}`)).body.items;

  /** One evaluation through the real queue path, as the per-minute cron would enqueue it; resolves when the job is done. */
  const evaluate = async (tick: number, attempt = 'a') => {
    const jobId = `eval-test-${tick}-${attempt}`;
    await stack.worker!.app.get(JobsService).add(JobName.EvaluateRules, { tick: new Date(tick).toISOString() }, jobId);
    const queue = stack.worker!.app.get<Queue>(getQueueToken(QueueName.Alerting));
    await eventually(async () => {
      const state = await queue.getJobState(jobId);
      if (state === 'failed') throw new Error(`evaluation ${jobId} failed: ${(await queue.getJob(jobId))?.failedReason}`);
      return state === 'completed';
    }, `evaluation ${jobId}`, 45_000);
  };

  const send = async (durationMs: number, at: number, n = 50) => {
    const before = (await stack.pool.query('SELECT count(*)::int AS n FROM ingest_batches WHERE project_id = $1', [projectId])).rows[0].n;
    expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(n, service, { timestamp: at, durationMs, status: 200 }) })).status).toBe(202);
    await eventually(async () => (await stack.pool.query('SELECT count(*)::int AS n FROM ingest_batches WHERE project_id = $1', [projectId])).rows[0].n > before, 'batch written');
  };

  beforeAll(async () => {
    ({ projectId, key } = await createProjectKey(stack.api.url));
  });

  it('ships default rules that a user can edit, each valid by the API\'s own rules', async () => {
    const { body } = await call('GET', 'rules');
    const defaults = body.rules.filter((r: { name: string }) => r.name.startsWith('default: '));
    expect(defaults.map((r: { name: string }) => r.name).sort()).toEqual([
      'default: cpu', 'default: error groups', 'default: error rate', 'default: memory', 'default: p95 response time', 'default: throughput',
    ]);
    const p95 = defaults.find((r: { name: string }) => r.name === 'default: p95 response time');
    expect(p95).toMatchObject({ warning: 2000, critical: 5000, enabled: true });
    expect(defaults.find((r: { name: string }) => r.name === 'default: throughput')).toMatchObject({ direction: 'below', warning: 100, critical: 50, enabled: false });
    // A no-op edit goes through the same validation as any other.
    for (const rule of defaults) expect((await call('PATCH', `rules/${rule.id}`, { enabled: rule.enabled })).status).toBe(200);
  });

  it('rejects a rule whose critical is not worse than its warning, naming the field', async () => {
    const { status, body } = await call('POST', 'rules', { name: `bad-${service}`, kind: 'threshold', metric: 'p95', warning: 2000, critical: 1000 });
    expect(status).toBe(400);
    expect(body.error.details).toEqual([{ path: 'critical', message: 'must be greater than warning for direction above' }]);
  });

  it('a rule fires on slow traffic, is acknowledged, and resolves on fast traffic, with its history', async () => {
    const created = await call('POST', 'rules', {
      name: `p95-${service}`,
      kind: 'threshold',
      metric: 'p95',
      projectId,
      service,
      windowSeconds: 60,
      warning: 2000,
      critical: 5000,
      recovery: 1500,
      minSamples: 10,
    });
    expect(created.status).toBe(201);
    ruleId = created.body.id;

    await send(3000, t1 - 30_000);
    await evaluate(t1);
    const [firing] = await alerts();
    expect(firing).toMatchObject({ state: 'firing', severity: 'warning', ruleId, threshold: 2000, labels: { service, project: projectId } });
    expect((await call('GET', `alerts?project=${projectId}`)).body.items.map((a: { id: string }) => a.id)).toEqual([firing.id]);
    expect((await call('GET', 'alerts?project=00000000-0000-4000-8000-000000000000')).body.items).toEqual([]);
    expect(firing.value).toBeGreaterThan(2900);

    // The same tick again (another replica, a retry) changes nothing.
    await evaluate(t1, 'b');
    expect((await alerts())[0]).toMatchObject({ id: firing.id, occurrences: 1 });

    const acked = await call('POST', `alerts/${firing.id}/ack`, { by: 'ann', comment: 'looking' });
    expect(acked.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'ann', ackComment: 'looking' });
    expect((await call('POST', `alerts/${firing.id}/ack`, {})).status).toBe(409);

    await send(100, t1 + 30_000);
    await evaluate(t2);
    expect(await alerts()).toEqual([]);
    const [resolved] = await alerts('resolved');
    expect(resolved).toMatchObject({ id: firing.id, state: 'resolved', resolvedBy: 'vigil' });

    const history = await call('GET', `alerts/${firing.id}/history`);
    expect(history.body.events.map((e: { type: string; actor: string }) => [e.type, e.actor])).toEqual([
      ['fired', 'vigil'],
      ['acknowledged', 'ann'],
      ['resolved', 'vigil'],
    ]);
    const { rows: outbox } = await stack.pool.query(`SELECT type FROM notifications WHERE alert_id = $1 ORDER BY id`, [firing.id]);
    expect(outbox.map((n: { type: string }) => n.type)).toEqual(['firing', 'resolved']);
  });

  it('a resolved identity that fires again opens a new alert linked to the old one', async () => {
    const [old] = await alerts('resolved');
    await send(6000, t2 + 30_000);
    await evaluate(t2 + MINUTE);
    const [again] = await alerts();
    expect(again).toMatchObject({ state: 'firing', severity: 'critical', previousAlertId: old.id });
    expect(again.id).not.toBe(old.id);
    const manual = await call('POST', `alerts/${again.id}/resolve`, { by: 'bob' });
    expect(manual.body).toMatchObject({ state: 'resolved', resolvedBy: 'bob' });
  });

  it('an error group reaching its severity count (HIGH: 3) within the window opens one alert', async () => {
    const rule = await call('POST', 'rules', { name: `errors-${service}`, kind: 'error_count', projectId, service, windowSeconds: 300 });
    expect(rule.status).toBe(201);
    const tick = t1 + 3 * MINUTE;
    const sendErrors = async (ids: number[]) => {
      const events = ids.map((id) => ({ timestamp: t1 + 10_000, service, type: 'PaymentError', severity: 'HIGH', message: `card ${id} declined` }));
      expect((await ingest(stack.api.url, 'errors', key, { events })).status).toBe(202);
      await eventually(async () => (await stack.pool.query(`SELECT sum(count)::int AS n FROM error_rollups WHERE project_id = $1 AND resolution = 60`, [projectId])).rows[0].n === ids[ids.length - 1], 'errors written');
    };
    const errorAlerts = async () => (await alerts()).filter((a: { ruleId: string }) => a.ruleId === rule.body.id);

    await sendErrors([1, 2]);
    await evaluate(tick, 'e1');
    expect(await errorAlerts()).toEqual([]);
    await sendErrors([3]);
    await evaluate(tick + MINUTE, 'e2');
    const opened = await errorAlerts();
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ state: 'firing', severity: 'critical', value: 3, labels: { type: 'PaymentError', errorSeverity: 'HIGH', service } });

    // Once the errors have left the window, the group is gone from it and its alert resolves.
    await evaluate(t1 + 6 * MINUTE, 'e3');
    expect(await errorAlerts()).toEqual([]);
    expect((await call('GET', `alerts/${opened[0].id}`)).body).toMatchObject({ state: 'resolved', resolvedBy: 'vigil' });
  });

  it('a silence suppresses the notification but the alert is still recorded', async () => {
    const bad = await call('POST', 'silences', { matchers: [{ name: 'service', op: '=~', value: '(' }], endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'ann', comment: 'x' });
    expect(bad.body.error.details).toEqual([{ path: 'matchers[0].value', message: 'is not a valid regular expression' }]);
    const silence = await call('POST', 'silences', {
      matchers: [{ name: 'service', op: '=', value: service }, { name: 'type', op: '=~', value: 'Pay.*' }],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'ann',
      comment: 'known incident',
    });
    expect(silence.status).toBe(201);
    const rule = await call('POST', 'rules', { name: `critical-errors-${service}`, kind: 'error_count', projectId, service, windowSeconds: 600, params: { thresholds: { HIGH: 1 } } });
    await evaluate(t1 + 5 * MINUTE, 'silence');
    expect((await stack.pool.query(`SELECT 1 FROM performance_alerts WHERE rule_id = $1`, [rule.body.id])).rows).toHaveLength(1);
    const { rows } = await stack.pool.query(
      `SELECT n.state, n.suppressed_by FROM notifications n JOIN performance_alerts a ON a.id = n.alert_id WHERE a.rule_id = $1`,
      [rule.body.id],
    );
    expect(rows).toEqual([{ state: 'suppressed', suppressed_by: `silence:${silence.body.id}` }]);
    expect((await call('GET', 'silences')).body.silences.map((s: { id: string }) => s.id)).toContain(silence.body.id);
    expect((await call('DELETE', `silences/${silence.body.id}`)).status).toBe(204);

    // A maintenance window is a scheduled silence of one service.
    const from = new Date(Date.now() + 3_600_000).toISOString();
    const until = new Date(Date.now() + 7_200_000).toISOString();
    const window = await call('POST', 'maintenance-windows', { service, startsAt: from, endsAt: until, createdBy: 'ops', comment: 'db upgrade' });
    expect(window.body).toMatchObject({ matchers: [{ name: 'service', op: '=', value: service }], startsAt: from, comment: 'maintenance: db upgrade' });
    expect((await call('POST', 'maintenance-windows', { service, startsAt: until, endsAt: from, createdBy: 'ops', comment: 'x' })).body.error.details).toEqual([
      { path: 'endsAt', message: 'must be after startsAt' },
    ]);
    expect((await call('GET', 'silences')).body.silences.map((s: { id: string }) => s.id)).not.toContain(silence.body.id);
  });

  it('inhibition: a firing critical mutes warnings of the same labels, and inhibit rules mute matching targets', async () => {
    const inhibit = await call('POST', 'inhibit-rules', {
      name: `inhibit-${service}`,
      sourceMatchers: [{ name: 'severity', op: '=', value: 'critical' }, { name: 'service', op: '=', value: service }],
      targetMatchers: [{ name: 'severity', op: '=', value: 'warning' }],
      equal: ['service'],
    });
    expect(inhibit.status).toBe(201);
    const rule = (name: string, fields: Record<string, unknown>) =>
      call('POST', 'rules', { name: `${name}-${service}`, kind: 'threshold', projectId, service, windowSeconds: 900, ...fields });
    const critical = await rule('inhibit-src', { metric: 'p99', critical: 100 });
    await evaluate(t1 + 7 * MINUTE, 'inhibit-1');
    const same = await rule('inhibit-same', { metric: 'p50', warning: 50 });
    const other = await rule('inhibit-other', { metric: 'avg', warning: 50, labels: { team: 'web' } });
    await evaluate(t1 + 8 * MINUTE, 'inhibit-2');
    const outbox = async (ruleId: string) =>
      (await stack.pool.query(`SELECT n.type, n.state, n.suppressed_by FROM notifications n JOIN performance_alerts a ON a.id = n.alert_id WHERE a.rule_id = $1`, [ruleId])).rows;
    // Not suppressed: on its way through routing (how far it got depends on the notify queue).
    const [notice, ...more] = await outbox(critical.body.id);
    expect(more).toEqual([]);
    expect(notice).toMatchObject({ type: 'firing', suppressed_by: null });
    expect(['pending', 'routed', 'sent']).toContain(notice.state);
    expect(await outbox(same.body.id)).toEqual([{ type: 'firing', state: 'suppressed', suppressed_by: 'inhibited:critical' }]);
    expect(await outbox(other.body.id)).toEqual([{ type: 'firing', state: 'suppressed', suppressed_by: `inhibited:${inhibit.body.id}` }]);
    for (const r of [critical, same, other]) await call('DELETE', `rules/${r.body.id}`);
    expect((await call('DELETE', `inhibit-rules/${inhibit.body.id}`)).status).toBe(204);
  });

  it('lists, reads, changes and deletes rules', async () => {
    const list = await call('GET', 'rules');
    expect(list.body.rules.map((r: { id: string }) => r.id)).toContain(ruleId);
    const patched = await call('PATCH', `rules/${ruleId}`, { warning: 2500 });
    expect(patched.body.warning).toBe(2500);
    expect((await call('PATCH', `rules/${ruleId}`, { recovery: 9000 })).status).toBe(400);
    expect((await call('POST', 'rules', { name: `p95-${service}`, kind: 'threshold', metric: 'p95', warning: 1 })).status).toBe(409);
    expect((await call('DELETE', `rules/${ruleId}`)).status).toBe(204);
    expect((await call('GET', `rules/${ruleId}`)).status).toBe(404);
  });
});
