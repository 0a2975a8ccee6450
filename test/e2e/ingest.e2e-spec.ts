import { createProjectKey, ingest, requestEvents, useStack } from '../helpers/apps';
import { countRows, eventually } from '../helpers/db';
import { testEnv } from '../helpers/env';

describe('ingest over HTTP', () => {
  const stack = useStack(testEnv());

  it('stores request, query and error events, answering 202 with the batch id', async () => {
    const { projectId, key } = await createProjectKey(stack.api.url);
    const now = new Date().toISOString();

    const requests = await ingest(stack.api.url, 'requests', key, { events: requestEvents(250, 'shop', { timestamp: now }) });
    expect(requests.status).toBe(202);
    const body = await requests.json();
    expect(body).toEqual({ batchId: expect.stringMatching(/^[0-9a-f-]{36}$/), accepted: 250 });

    const queries = await ingest(stack.api.url, 'queries', key, {
      events: [{ service: 'shop', query: 'SELECT * FROM orders WHERE id = 7', durationMs: 1200, rows: 1, context: { route: '/orders/:id' } }],
    });
    expect(queries.status).toBe(202);
    const errors = await ingest(stack.api.url, 'errors', key, {
      events: [{ service: 'shop', type: 'TypeError', severity: 'CRITICAL', message: 'x is undefined', exception: 'TypeError: x\n  at y' }],
    });
    expect(errors.status).toBe(202);

    await eventually(async () => (await countRows(stack.pool, 'performance_metrics', projectId)) === 250, '250 request rows');
    await eventually(async () => (await countRows(stack.pool, 'slow_queries', projectId)) === 1, 'slow query row');
    await eventually(async () => (await countRows(stack.pool, 'error_events', projectId)) === 1, 'error row');

    const { rows } = await stack.pool.query(
      `SELECT service, method, route, status, duration_ms, request_id FROM performance_metrics
       WHERE project_id = $1 AND request_id = 'req-10'`,
      [projectId],
    );
    expect(rows).toEqual([{ service: 'shop', method: 'GET', route: '/orders/:id', status: 500, duration_ms: 20, request_id: 'req-10' }]);
    const { rows: ledger } = await stack.pool.query('SELECT batch_id FROM ingest_batches WHERE project_id = $1 AND kind = $2', [projectId, 'requests']);
    expect(ledger).toEqual([{ batch_id: body.batchId }]);
  });

  it('accepts the key in x-api-key too', async () => {
    const { key } = await createProjectKey(stack.api.url);
    const response = await fetch(`${stack.api.url}/api/v1/ingest/requests`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ events: requestEvents(1) }),
    });
    expect(response.status).toBe(202);
  });

  it('answers a retried POST with the same Idempotency-Key from its first answer and stores nothing new', async () => {
    const { projectId, key } = await createProjectKey(stack.api.url);
    const batch = { events: requestEvents(40) };
    const first = await ingest(stack.api.url, 'requests', key, batch, { 'idempotency-key': 'retry-me-1' });
    const firstBody = await first.json();
    await eventually(async () => (await countRows(stack.pool, 'performance_metrics', projectId)) === 40, 'first batch');

    const retried = await ingest(stack.api.url, 'requests', key, batch, { 'idempotency-key': 'retry-me-1' });
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(await retried.json()).toEqual(firstBody);

    const reused = await ingest(stack.api.url, 'errors', key, { events: [{ service: 's', type: 't', severity: 'LOW', message: 'm' }] }, {
      'idempotency-key': 'retry-me-1',
    });
    expect(reused.status).toBe(422);
    expect((await reused.json()).error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    // Another batch, to know the worker has caught up before counting again.
    await ingest(stack.api.url, 'requests', key, { events: requestEvents(1) });
    await eventually(async () => (await countRows(stack.pool, 'performance_metrics', projectId)) === 41, 'marker batch');
    expect(await countRows(stack.pool, 'ingest_batches', projectId)).toBe(2);
  });

  it('concurrent retries with one Idempotency-Key store the batch once', async () => {
    const { projectId, key } = await createProjectKey(stack.api.url);
    const batch = { events: requestEvents(25) };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => ingest(stack.api.url, 'requests', key, batch, { 'idempotency-key': 'storm' }).then((r) => r.json())),
    );
    expect(new Set(answers.map((a) => a.batchId)).size).toBe(1);
    await ingest(stack.api.url, 'requests', key, { events: requestEvents(1) });
    await eventually(async () => (await countRows(stack.pool, 'ingest_batches', projectId)) === 2, 'both batches');
    expect(await countRows(stack.pool, 'performance_metrics', projectId)).toBe(26);
  });

  describe('rejected batches store nothing', () => {
    let projectId: string;
    let key: string;

    beforeAll(async () => ({ projectId, key } = await createProjectKey(stack.api.url)));

    afterAll(async () => {
      // A valid batch after all the rejected ones: once it is written, nothing else can still be on its way.
      await ingest(stack.api.url, 'requests', key, { events: requestEvents(3) });
      await eventually(async () => (await countRows(stack.pool, 'ingest_batches', projectId)) === 1, 'marker batch');
      expect(await countRows(stack.pool, 'performance_metrics', projectId)).toBe(3);
    });

    it.each([
      ['a missing key', undefined, 401, 'UNAUTHENTICATED'],
      ['an unknown key', 'vgl_not-a-real-key', 401, 'UNAUTHENTICATED'],
    ])('%s gets 401', async (_, presented, status, code) => {
      const response = await fetch(`${stack.api.url}/api/v1/ingest/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(presented ? { authorization: `Bearer ${presented}` } : {}) },
        body: JSON.stringify({ events: requestEvents(2) }),
      });
      expect(response.status).toBe(status);
      expect((await response.json()).error).toMatchObject({ code, errorId: expect.any(String) });
    });

    it('a bad event anywhere in the batch gets 400 naming its path', async () => {
      const events = requestEvents(100);
      (events[57] as Record<string, unknown>).status = 'ok';
      const response = await ingest(stack.api.url, 'requests', key, { events });
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        details: [{ path: 'events[57].status', message: 'must be integer' }],
      });
      expect(error).not.toHaveProperty('stack');
    });

    it('an unknown field gets 400', async () => {
      const response = await ingest(stack.api.url, 'queries', key, { events: [{ service: 's', query: 'q', durationMs: 1, sql: 'x' }] });
      expect(response.status).toBe(400);
      expect((await response.json()).error.details).toEqual([{ path: 'events[0].sql', message: 'is not an allowed field' }]);
    });

    it('malformed JSON gets 400', async () => {
      const response = await ingest(stack.api.url, 'requests', key, '{"events": [');
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({ code: 'BAD_REQUEST', errorId: expect.any(String) });
    });

    it('a body over 5 MB gets 413', async () => {
      const big = JSON.stringify({ events: [{ service: 's', method: 'GET', route: '/'.padEnd(6 * 1024 * 1024, 'x'), status: 200, durationMs: 1 }] });
      const response = await ingest(stack.api.url, 'requests', key, big);
      expect(response.status).toBe(413);
      expect((await response.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('a bad Idempotency-Key gets 400 naming the header', async () => {
      const response = await ingest(stack.api.url, 'requests', key, { events: requestEvents(1) }, { 'idempotency-key': 'x'.repeat(300) });
      expect(response.status).toBe(400);
      expect((await response.json()).error.details[0].path).toBe('header Idempotency-Key');
    });
  });

  it('echoes the request id and answers unknown routes with the JSON error shape', async () => {
    const response = await fetch(`${stack.api.url}/api/v1/nothing-here`, { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123');
    expect((await response.json()).error).toMatchObject({ code: 'NOT_FOUND', requestId: 'trace-abc-123' });
  });
});
