import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { getQueueToken } from '@nestjs/bullmq';
import { JobName, JobPayload, JobsService, QueueName } from '@vigil/common';
import { Queue } from 'bullmq';
import { useStack } from '../helpers/apps';
import { eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

describe('service and uptime checks', () => {
  const stack = useStack(testEnv());
  const suffix = Date.now().toString(36);
  let server: Server;
  let serverUrl: string;
  let answer = { status: 500, body: 'broken' };

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.api.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: response.status === 204 ? null : await response.json() };
  };

  /** Adds a job through the one enqueue path and waits until the worker completed it. */
  const run = async <N extends JobName>(name: N, payload: JobPayload[N], jobId: string, queueName: QueueName) => {
    await stack.worker!.app.get(JobsService).add(name, payload, jobId);
    const queue = stack.worker!.app.get<Queue>(getQueueToken(queueName));
    await eventually(async () => {
      const state = await queue.getJobState(jobId);
      if (state === 'failed') throw new Error(`${jobId} failed: ${(await queue.getJob(jobId))?.failedReason}`);
      return state === 'completed';
    }, jobId, 30_000);
    return queue;
  };

  /** One dispatch tick: enqueues a check per enabled target for its slot, then waits for those checks. */
  const checkAll = async (tick: number) => {
    const queue = await run(JobName.DispatchChecks, { tick: new Date(tick).toISOString() }, `test-dispatch-${tick}`, QueueName.Checks);
    const { body } = await call('GET', 'services');
    for (const { id, intervalSeconds } of body.services.filter((s: { enabled: boolean }) => s.enabled)) {
      const jobId = `check-${id}-${Math.floor(tick / (intervalSeconds * 1000)) * intervalSeconds * 1000}`;
      await eventually(async () => (await queue.getJobState(jobId)) === 'completed', jobId, 30_000);
    }
  };

  const evaluate = (tick: number) => run(JobName.EvaluateRules, { tick: new Date(tick).toISOString() }, `test-eval-${tick}`, QueueName.Alerting);

  beforeAll(async () => {
    server = createServer((_, res) => res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  });
  afterAll(() => new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  }));

  it("has vigil's own Postgres and Redis as targets from the start", async () => {
    const { status, body } = await call('GET', 'services');
    expect(status).toBe(200);
    const builtin = body.services.filter((s: { builtin: boolean }) => s.builtin).map((s: { name: string; kind: string }) => `${s.name}:${s.kind}`);
    expect(builtin.sort()).toEqual(['vigil-database:postgres', 'vigil-redis:redis']);
  });

  it.each([
    [{ name: 'x', kind: 'http' }, 'address', 'is required for an http target'],
    [{ name: 'x', kind: 'http', address: 'ftp://example.com' }, 'address', 'must be a http:// or https:// URL for a http target'],
    [{ name: 'x', kind: 'tcp', address: 'example.com' }, 'address', 'must be host:port for a tcp target'],
    [{ name: 'x', kind: 'tcp', address: 'h:1', keyword: 'ok' }, 'keyword', 'applies to http targets only'],
    [{ name: 'x', kind: 'smtp', address: 'h:25' }, 'kind', 'must be one of http, tcp, postgres, redis'],
    [{ name: 'x', kind: 'tcp', address: 'h:1', intervalSeconds: 1 }, 'intervalSeconds', 'must be >= 10'],
    [{ name: 'x', kind: 'tcp', address: 'h:1', colour: 'red' }, 'colour', 'is not an allowed field'],
  ])('rejects %j with a 400 naming %s', async (body, path, message) => {
    const response = await call('POST', 'services', body);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path, message }]);
  });

  it('keeps builtin targets: no delete, no new address', async () => {
    const { body } = await call('GET', 'services');
    const database = body.services.find((s: { name: string }) => s.name === 'vigil-database');
    expect((await call('DELETE', `services/${database.id}`)).status).toBe(409);
    expect((await call('PATCH', `services/${database.id}`, { address: 'postgres://elsewhere:5432/x' })).status).toBe(409);
  });

  it('checks each target through the queue, records status changes, and a health rule alerts and resolves', async () => {
    const name = `shop-web-${suffix}`;
    const created = await call('POST', 'services', { name, kind: 'http', address: serverUrl, expectedStatus: 200, keyword: 'ok', timeoutMs: 2000, intervalSeconds: 10 });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const secret = await call('POST', 'services', { name: `pg-${suffix}`, kind: 'postgres', address: 'postgres://watcher:hunter2@127.0.0.1:1/app', intervalSeconds: 10, timeoutMs: 1000 });
    expect(secret.body.address).toBe('postgres://watcher:***@127.0.0.1:1/app');
    const port = await call('POST', 'services', { name: `redis-${suffix}`, kind: 'redis', address: 'redis://127.0.0.1:1', intervalSeconds: 10, timeoutMs: 1000 });
    expect(port.status).toBe(201);
    const tcp = await call('POST', 'services', { name: `tcp-${suffix}`, kind: 'tcp', address: new URL(serverUrl).host, intervalSeconds: 10, timeoutMs: 1000 });
    const closed = await call('POST', 'services', { name: `tcp-closed-${suffix}`, kind: 'tcp', address: '127.0.0.1:1', intervalSeconds: 10, timeoutMs: 1000 });
    expect([tcp.status, closed.status]).toEqual([201, 201]);
    const rule = await call('POST', 'rules', { name: `health ${name}`, kind: 'health', service: name, params: { failures: 2 } });
    expect(rule.status).toBe(201);

    const t0 = Math.floor(Date.now() / 10_000) * 10_000;
    await checkAll(t0);
    // A replayed dispatch of the same tick adds no second check.
    await run(JobName.DispatchChecks, { tick: new Date(t0 + 3000).toISOString() }, `test-dispatch-replay-${t0}`, QueueName.Checks);
    const rows = async () => (await stack.pool.query('SELECT count(*)::int AS n FROM service_health WHERE target_id = $1', [id])).rows[0].n;
    expect(await rows()).toBe(1);

    await evaluate(t0 + 1111);
    expect((await call('GET', `alerts?service=${name}`)).body.items).toEqual([]);

    await checkAll(t0 + 10_000);
    expect(await rows()).toBe(2);
    await evaluate(t0 + 12_222);
    const firing = (await call('GET', `alerts?service=${name}`)).body.items;
    expect(firing).toEqual([expect.objectContaining({ state: 'firing', severity: 'critical', labels: expect.objectContaining({ service: name, target: id }) })]);

    answer = { status: 200, body: 'all ok' };
    await checkAll(t0 + 20_000);
    await evaluate(t0 + 23_333);
    expect((await call('GET', `alerts?service=${name}`)).body.items).toEqual([]);
    expect((await call('GET', `alerts?service=${name}&state=resolved`)).body.items).toHaveLength(1);

    const { body } = await call('GET', 'services');
    const web = body.services.find((s: { id: string }) => s.id === id);
    expect(web).toMatchObject({ status: 'up', consecutiveFailures: 0, lastError: null, uptime: { '24h': 33.333, '7d': 33.333, '30d': 33.333 } });
    for (const other of ['vigil-database', 'vigil-redis']) expect(body.services.find((s: { name: string }) => s.name === other).status).toBe('up');
    const statusOf = (n: string) => body.services.find((s: { name: string }) => s.name === n);
    expect([`pg-${suffix}`, `redis-${suffix}`, `tcp-${suffix}`, `tcp-closed-${suffix}`].map((n) => statusOf(n).status)).toEqual(['down', 'down', 'up', 'down']);
    expect(statusOf(`tcp-closed-${suffix}`).lastError).toMatch(/^127\.0\.0\.1:1: connect ECONNREFUSED/);
    expect(JSON.stringify(body)).not.toContain('hunter2');

    const history = await call('GET', `services/${id}/history?limit=10`);
    expect(history.body.items.map((h: { status: string; changed: boolean }) => `${h.status}${h.changed ? '*' : ''}`)).toEqual(['up*', 'down', 'down*']);
    expect(history.body.items[1].error).toBe('status 500, expected 200');

    // HTTP checks go through a breaker of their own origin, shown in the worker's readiness.
    const ready = await (await fetch(`${stack.worker!.url}/health/ready`)).json();
    expect(ready.details.breakers[`http:${new URL(serverUrl).origin}`]).toMatchObject({ state: 'closed', failureThreshold: 5, resetMs: 60_000 });
  });

  it('answers history with 400 for a bad parameter and 404 for an unknown target', async () => {
    const { body } = await call('GET', 'services');
    const response = await call('GET', `services/${body.services[0].id}/history?since=yesterday`);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path: 'since', message: 'must be an ISO-8601 date-time' }]);
    expect((await call('GET', 'services/00000000-0000-4000-8000-00000000abcd/history')).status).toBe(404);
  });
});
