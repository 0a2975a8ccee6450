import { createProjectKey, ingest, requestEvents, startApi, RunningApp, useStack } from '../helpers/apps';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

const get = (url: string, token = ADMIN_TOKEN, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });

describe('rate limits', () => {
  const env = testEnv({ RATE_LIMIT_INGEST: '3', RATE_LIMIT_MANAGEMENT: '5', RATE_LIMIT_WINDOW_SECONDS: '60' });
  const stack = useStack(env, { worker: false });
  let second: RunningApp;

  beforeAll(async () => {
    second = await startApi(env);
  });
  afterAll(async () => second?.close());

  it('counts per ingest key across API replicas: 429 with Retry-After, other keys unaffected', async () => {
    // Keys are made with ADMIN_TOKEN; that spends management budget, not ingest.
    const [a, b] = [await createProjectKey(stack.api.url), await createProjectKey(stack.api.url)];
    const body = { events: requestEvents(1) };
    expect((await ingest(stack.api.url, 'requests', a.key, body)).status).toBe(202);
    expect((await ingest(second.url, 'requests', a.key, body)).status).toBe(202);
    expect((await ingest(stack.api.url, 'errors', a.key, { events: [] })).status).toBe(400);
    const limited = await ingest(second.url, 'requests', a.key, body);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: unknown }).error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('at most 3 requests per 60 s') });
    expect((await ingest(stack.api.url, 'requests', b.key, body)).status).toBe(202);
  });

  it('counts per management token; probes and scrapes are never limited', async () => {
    const token = 'another-admin-token-that-is-unknown';
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(`${stack.api.url}/api/v1/rules`, token)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    for (let i = 0; i < 8; i++) expect((await fetch(`${stack.api.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${stack.api.url}/metrics`)).status).toBe(200);
  });
});

describe('body limits, headers and CORS', () => {
  const env = testEnv({ CORS_ORIGINS: 'https://ops.example.com' });
  const stack = useStack(env, { worker: false });
  let closed: RunningApp;

  beforeAll(async () => {
    closed = await startApi(testEnv());
  });
  afterAll(async () => closed?.close());

  it('a management body over 256 KB is 413; ingest still takes up to 5 MB', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(300 * 1024) });
    const response = await fetch(`${stack.api.url}/api/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const { key } = await createProjectKey(stack.api.url);
    const batch = { events: requestEvents(3000, 'shop', { route: `/${'r'.repeat(1000)}` }) };
    expect(JSON.stringify(batch).length).toBeGreaterThan(2 * 1024 * 1024);
    expect((await ingest(stack.api.url, 'requests', key, batch)).status).toBe(202);
  });

  it('sends security headers', async () => {
    const response = await get(`${stack.api.url}/api/v1/rules`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('CORS is closed by default and open only to CORS_ORIGINS', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/api/v1/rules`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect((await preflight(closed.url, 'https://ops.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await get(`${closed.url}/api/v1/rules`, ADMIN_TOKEN, { origin: 'https://ops.example.com' })).headers.get('access-control-allow-origin')).toBeNull();

    const allowed = await preflight(stack.api.url, 'https://ops.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await preflight(stack.api.url, 'https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
