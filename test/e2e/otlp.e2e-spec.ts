import { gzipSync } from 'node:zlib';
import { createProjectKey, useStack } from '../helpers/apps';
import { ChildApp, endpoints, startChildApp } from '../helpers/child-app';
import { countRows, eventually } from '../helpers/db';
import { testEnv } from '../helpers/env';

const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** An OTLP/JSON request with one span (overridable) under service `svc`. */
function otlpJson(span: Record<string, unknown>, svc = 'json-shop') {
  const end = Date.now();
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: svc } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                name: 'GET /items/:id',
                kind: 2,
                startTimeUnixNano: nanos(end - 25),
                endTimeUnixNano: nanos(end),
                attributes: [
                  { key: 'http.request.method', value: { stringValue: 'GET' } },
                  { key: 'http.route', value: { stringValue: '/items/:id' } },
                  { key: 'http.response.status_code', value: { intValue: '200' } },
                ],
                ...span,
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('OTLP/HTTP trace ingest', () => {
  const stack = useStack(testEnv({ OTLP_SLOW_QUERY_MS: '50' }));
  let project: { projectId: string; key: string };

  beforeAll(async () => {
    project = await createProjectKey(stack.api.url);
  });

  const countOf = async (table: string, service: string) =>
    (await stack.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE project_id = $1 AND service = $2`, [project.projectId, service])).rows[0].n as number;

  const post = (body: Buffer | string, headers: Record<string, string>, key = project.key) =>
    fetch(`${stack.api.url}/v1/traces`, { method: 'POST', headers: { 'x-api-key': key, ...headers }, body });

  describe.each(['proto', 'json'])('an app using the OpenTelemetry SDK with the %s exporter (gzip)', (encoding) => {
    let app: ChildApp;
    const service = `otel-${encoding}`;

    beforeAll(async () => {
      app = await startChildApp('test/fixtures/otel-app.js', {
        OTLP_URL: `${stack.api.url}/v1/traces`,
        OTLP_KEY: project.key,
        OTLP_ENCODING: encoding,
        SERVICE: service,
      });
    });
    afterAll(() => app?.stop());

    it('shows its SERVER spans as request metrics, slow DB spans as slow queries and exceptions as errors', async () => {
      for (let i = 1; i <= 5; i++) expect((await fetch(`${app.url}/orders/${i}`)).status).toBe(200);
      expect((await fetch(`${app.url}/boom`)).status).toBe(500);
      expect(await (await fetch(`${app.url}/flush`)).text()).toBe('flushed');

      let rows: Awaited<ReturnType<typeof endpoints>> = [];
      await eventually(async () => {
        rows = await endpoints(stack.api.url, project.projectId, service);
        const [queries, errors] = [await countOf('slow_queries', service), await countOf('error_events', service)];
        return rows.length === 2 && queries >= 5 && errors >= 1;
      }, 'the OTLP requests, slow queries and errors');
      const orders = rows.find((r) => r.route === '/orders/:id');
      expect(orders).toMatchObject({ method: 'GET', requests: 5, errorRate: 0 });
      expect(orders!.p95Ms).toBeGreaterThanOrEqual(80);
      expect(rows.find((r) => r.route === '/boom')).toMatchObject({ requests: 1, errorRate: 1 });

      const queries = await stack.pool.query(`SELECT query, duration_ms FROM slow_queries WHERE project_id = $1 AND service = $2`, [project.projectId, service]);
      expect(queries.rows).toHaveLength(5);
      expect(queries.rows[0].query).toBe('select * from orders where id = ?');
      const errors = await stack.pool.query(`SELECT type, message, severity FROM error_events WHERE project_id = $1 AND service = $2`, [project.projectId, service]);
      expect(errors.rows).toEqual([{ type: 'TypeError', message: 'order 42 not found', severity: 'HIGH' }]);
      expect(app.output()).not.toMatch(/error/i);
    });
  });

  it('takes gzipped OTLP/JSON, and stores a retried export once', async () => {
    const body = gzipSync(JSON.stringify(otlpJson({}, 'retry-shop')));
    for (let i = 0; i < 2; i++) {
      const response = await post(body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
    }
    await eventually(async () => (await endpoints(stack.api.url, project.projectId, 'retry-shop')).length === 1, 'the retried span');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await endpoints(stack.api.url, project.projectId, 'retry-shop'))[0].requests).toBe(1);
  });

  it('answers partial success for spans it cannot use, storing the rest', async () => {
    const request = otlpJson({}, 'partial-shop');
    const spans = request.resourceSpans[0].scopeSpans[0].spans as Array<Record<string, unknown>>;
    spans.push({ ...spans[0], spanId: 'aaa19b7ec3c1b174', name: 'GET', attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }] });
    const response = await post(JSON.stringify(request), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe(1);
    expect(body.partialSuccess.errorMessage).toMatch(/http\.route/);
    await eventually(async () => (await endpoints(stack.api.url, project.projectId, 'partial-shop')).length === 1, 'the usable span');
  });

  it.each([
    ['undecodable protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' }, /^body is not an OTLP/],
    ['a non-array resourceSpans', JSON.stringify({ resourceSpans: { spans: [] } }), { 'content-type': 'application/json' }, /^resourceSpans must be an array/],
    ['a body that is not gzip', Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' }, /^body is not valid gzip data/],
    ['an unsupported encoding', Buffer.from('{}'), { 'content-type': 'application/json', 'content-encoding': 'zz' }, /^header content-encoding/],
  ])('rejects %s with a 400 naming the field, storing nothing', async (_what, body, headers, message) => {
    const before = await countRows(stack.pool, 'performance_metrics', project.projectId);
    const response = await post(body, headers);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
    expect(await countRows(stack.pool, 'performance_metrics', project.projectId)).toBe(before);
  });

  it('holds inflated bodies to the 5 MB limit (413), on the ingest API too', async () => {
    const bomb = gzipSync(`{"events":[${' '.repeat(6 * 1024 * 1024)}]}`);
    expect(bomb.length).toBeLessThan(100_000);
    const response = await fetch(`${stack.api.url}/api/v1/ingest/requests`, {
      method: 'POST',
      headers: { 'x-api-key': project.key, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(response.status).toBe(413);
  });

  it('needs an ingest key', async () => {
    const response = await post(JSON.stringify(otlpJson({})), { 'content-type': 'application/json' }, 'vgl_not-a-key');
    expect(response.status).toBe(401);
  });
});
