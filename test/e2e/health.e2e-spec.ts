import { once } from 'node:events';
import { connect } from 'node:net';
import { dropRedisPrefix, ingest, requestEvents, RunningApp, startApi, startWorker } from '../helpers/apps';
import { testEnv } from '../helpers/env';

describe('probes', () => {
  const env = testEnv();
  let api: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    api = await startApi(env);
    worker = await startWorker(env);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await dropRedisPrefix(env);
  });

  it.each([
    ['api', () => api],
    ['worker', () => worker],
  ])('%s: live is ok, ready reports Postgres, Redis and the ingest backlog', async (_, app) => {
    const live = await fetch(`${app().url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });

    const ready = await fetch(`${app().url}/health/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).details).toMatchObject({
      database: { status: 'up' },
      redis: { status: 'up', latencyMs: expect.any(Number) },
      ingestQueue: { status: 'up', backlog: expect.any(Number), limit: 50_000 },
    });
  });
});

describe('with Redis unreachable', () => {
  // Nothing listens on port 1: every Redis call fails at once.
  const env = testEnv({ REDIS_URL: 'redis://127.0.0.1:1', HEALTH_TIMEOUT_MS: '300', INGEST_ENQUEUE_TIMEOUT_MS: '300', REDIS_BREAKER_FAILURES: '2' });
  let api: RunningApp;
  let key: string;

  beforeAll(async () => {
    api = await startApi(env);
    const { createProjectKey } = await import('../helpers/apps');
    ({ key } = await createProjectKey(api.url));
  });

  afterAll(() => api?.close());

  it('stays live but not ready, naming Redis', async () => {
    expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(503);
    const body = await ready.json();
    expect(body.error).toMatchObject({ redis: { status: 'down' } });
    expect(body.details.database.status).toBe('up');
  });

  it('answers ingest with 503 and Retry-After, never 202', async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await ingest(api.url, 'requests', key, { events: requestEvents(5) });
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await response.json()).error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', errorId: expect.any(String) });
    }
  });
});

describe('shutdown', () => {
  const env = testEnv({ SHUTDOWN_TIMEOUT_MS: '500' });
  afterAll(() => dropRedisPrefix(env));

  it('does not wait for ever on a client that stopped sending mid-request', async () => {
    const api = await startApi(env);
    const stuck = connect(Number(new URL(api.url).port), '127.0.0.1');
    const parsed = once(api.app.getHttpServer(), 'request');
    // Headers and part of the body, never the rest: the connection has a request in flight.
    stuck.write('POST /api/v1/ingest/requests HTTP/1.1\r\nhost: vigil\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"events":[');
    await parsed;
    const cut = once(stuck, 'close');

    // Without a bound this close never returns, and the test times out.
    await api.close();
    await cut;
    expect(stuck.destroyed).toBe(true);
  });
});
