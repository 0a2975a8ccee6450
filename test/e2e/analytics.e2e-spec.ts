import { createProjectKey, ingest, useStack } from '../helpers/apps';
import { countRows, eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

const MINUTE = 60_000;

describe('analytics over HTTP', () => {
  const stack = useStack(testEnv());
  let projectId: string;
  let key: string;
  const get = async (path: string) => {
    const response = await fetch(`${stack.api.url}/api/v1/${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: response.status, body: await response.json() };
  };
  const scoped = (path: string) => `${path}${path.includes('?') ? '&' : '?'}project=${projectId}`;

  /** The value at rank q·(n-1) of the raw durations: the sketch's own rank rule, computed exactly in SQL. */
  const exactQuantile = async (q: number, route?: string) => {
    const filter = route ? 'AND route = $2' : '';
    const params = route ? [projectId, route] : [projectId];
    const { rows } = await stack.pool.query(
      `SELECT duration_ms FROM performance_metrics WHERE project_id = $1 ${filter} ORDER BY duration_ms
       OFFSET (SELECT floor(${q} * (count(*) - 1)) FROM performance_metrics WHERE project_id = $1 ${filter}) LIMIT 1`,
      params,
    );
    return rows[0].duration_ms as number;
  };

  beforeAll(async () => {
    ({ projectId, key } = await createProjectKey(stack.api.url));
    const now = Date.now();
    // Two services, three endpoints, spread over the last 20 minutes; /slow is slow and fails often.
    const events = [];
    for (let i = 0; i < 3000; i++) {
      const route = ['/orders/:id', '/orders', '/slow'][i % 3];
      events.push({
        timestamp: now - (i % 20) * MINUTE - 1000,
        service: route === '/slow' ? 'billing' : 'shop',
        method: route === '/orders' ? 'POST' : 'GET',
        route,
        status: route === '/slow' && i % 5 === 0 ? 503 : i % 50 === 0 ? 404 : 200,
        durationMs: route === '/slow' ? 1500 + ((i * 37) % 1000) : 5 + ((i * 13) % 200) + (i % 7) / 10,
        requestId: `r-${i}`,
      });
    }
    for (let i = 0; i < events.length; i += 1000) {
      expect((await ingest(stack.api.url, 'requests', key, { events: events.slice(i, i + 1000) })).status).toBe(202);
    }
    const queries = [1, 2, 3].map((id) => ({ service: 'shop', query: `SELECT * FROM orders WHERE id = ${id}`, durationMs: 400 * id, rows: 1 }));
    expect((await ingest(stack.api.url, 'queries', key, { events: queries })).status).toBe(202);
    const errors = [41, 42, 43].map((id) => ({ service: 'billing', type: 'PaymentError', severity: 'HIGH', message: `card ${id} declined` }));
    expect((await ingest(stack.api.url, 'errors', key, { events: errors })).status).toBe(202);
    await eventually(async () => (await countRows(stack.pool, 'ingest_batches', projectId)) === 5, 'all batches written');
  });

  it('summary: counts, rates and percentiles within 1% of the exact values', async () => {
    const { status, body } = await get(scoped('metrics/summary?window=1h'));
    expect(status).toBe(200);
    expect(body.overall.requests).toBe(3000);
    expect(body.overall.errorRate).toBeCloseTo(200 / 3000, 4);
    expect(body.overall.throughputPerSec).toBeCloseTo(3000 / 3600, 2);
    for (const [field, q] of [['p50Ms', 0.5], ['p95Ms', 0.95], ['p99Ms', 0.99]] as const) {
      const exact = await exactQuantile(q);
      expect(Math.abs(body.overall[field] - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    expect(body.services.map((s: { service: string }) => s.service)).toEqual(['shop', 'billing']);
  });

  it('endpoints: per endpoint, sorted and paginated', async () => {
    const { body } = await get(scoped('metrics/endpoints?window=1h&sort=p95&limit=2'));
    expect(body.total).toBe(3);
    expect(body.items).toHaveLength(2);
    expect(body.items[0]).toMatchObject({ service: 'billing', method: 'GET', route: '/slow', requests: 1000, errorRate: 0.2 });
    const exact = await exactQuantile(0.95, '/slow');
    expect(Math.abs(body.items[0].p95Ms - exact) / exact).toBeLessThanOrEqual(0.01);
    const page2 = await get(scoped('metrics/endpoints?window=1h&sort=count&order=asc&limit=2&offset=2'));
    expect(page2.body.items).toHaveLength(1);
  });

  it('a window that sees only part of the data counts only that part', async () => {
    const { body } = await get(scoped('metrics/summary?window=10m'));
    // Events sit at minutes 0..19 back (plus a second); a 10-minute window holds minutes 0..9, or up to one minute more at its edge.
    expect(body.overall.requests).toBeGreaterThanOrEqual(1500);
    expect(body.overall.requests).toBeLessThanOrEqual(1650);
  });

  it('timeseries: one point per step, summing to the total', async () => {
    const { body } = await get(scoped('metrics/timeseries?metric=count&step=1m&window=30m'));
    expect(body.points.length).toBeGreaterThanOrEqual(30);
    expect(body.points.reduce((n: number, p: { value: number }) => n + p.value, 0)).toBe(3000);
  });

  it('slow requests: the slowest raw requests with their ids', async () => {
    const { body } = await get(scoped('metrics/slow-requests?threshold_ms=2400&limit=5&window=1h'));
    expect(body.items).toHaveLength(5);
    expect(body.items[0]).toMatchObject({ route: '/slow', requestId: expect.stringMatching(/^r-/) });
    expect(body.items.every((r: { durationMs: number }) => r.durationMs >= 2400)).toBe(true);
  });

  it('slow queries: one group per fingerprint', async () => {
    const { body } = await get(scoped('metrics/slow-queries?window=1h'));
    expect(body.items).toEqual([
      expect.objectContaining({ query: 'select * from orders where id = ?', count: 3, maxMs: 1200, meanMs: 800, services: ['shop'] }),
    ]);
  });

  it('errors: groups, and a group with its recent events', async () => {
    const { body } = await get(scoped('errors?window=1h'));
    expect(body.items).toEqual([expect.objectContaining({ type: 'PaymentError', severity: 'HIGH', count: 3, service: 'billing' })]);
    const group = await get(scoped(`errors/${body.items[0].fingerprint}?window=1h`));
    expect(group.body.events).toHaveLength(3);
    expect(group.body.events[0].message).toMatch(/^card \d+ declined$/);
  });

  it('dashboard: everything the page shows, in one call', async () => {
    const { status, body } = await get(scoped('dashboard?window=1h'));
    expect(status).toBe(200);
    expect(body.summary.overall.requests).toBe(3000);
    expect(body.worstEndpoints[0].route).toBe('/slow');
    expect(Object.keys(body.timeseries).sort()).toEqual(['errorRate', 'p50', 'p95', 'p99', 'throughput']);
  });

  it('an unknown service is an empty result, not an error', async () => {
    const { status, body } = await get(scoped('metrics/summary?window=1h&service=nope'));
    expect(status).toBe(200);
    expect(body.overall.requests).toBe(0);
    expect(body.services).toEqual([]);
  });

  it.each([
    ['metrics/summary?window=7x', 'window'],
    ['metrics/summary?windw=7d', 'windw'],
    ['metrics/endpoints?sort=fastest', 'sort'],
    ['metrics/endpoints?limit=0', 'limit'],
    ['metrics/timeseries?metric=p95&step=5s', 'step'],
    ['metrics/timeseries?metric=p95&step=1m&window=30d', 'step'],
    ['metrics/slow-requests?threshold_ms=abc', 'threshold_ms'],
    ['metrics/summary?project=nope', 'project'],
  ])('400 naming the parameter: %s', async (path, param) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error.details[0].path).toBe(param);
  });

  it('is documented at /docs (OpenAPI), with the ingest wire format', async () => {
    const ui = await fetch(`${stack.api.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const doc = await (await fetch(`${stack.api.url}/docs-json`)).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/metrics/summary', '/api/v1/metrics/endpoints', '/api/v1/errors/{fingerprint}', '/api/v1/ingest/requests']),
    );
    const body = doc.paths['/api/v1/ingest/requests'].post.requestBody.content['application/json'].schema;
    expect(body.properties.events.items.required).toEqual(['service', 'method', 'route', 'status', 'durationMs']);
  });

  it('requires the admin token', async () => {
    const response = await fetch(`${stack.api.url}/api/v1/metrics/summary`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(401);
  });
});
