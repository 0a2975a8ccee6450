import Redis from 'ioredis';
import { SELF_PROJECT_ID } from '@vigil/monitoring';
import { createProjectKey, ingest, requestEvents, RunningApp, startApi, useStack } from '../helpers/apps';
import { countRows, eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** `vigil_cache_lookups_total` by "category result store". */
async function lookups(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const [, category, result, store, n] of text.matchAll(/^vigil_cache_lookups_total\{category="(\w+)",result="(\w+)",store="(\w+)"\} (\d+)/gm)) {
    counts.set(`${category} ${result} ${store}`, Number(n));
  }
  return counts;
}

describe('analytics cache (Redis)', () => {
  const env = testEnv({ CACHE_TTL_SUMMARY_SECONDS: '300', CACHE_TTL_ENDPOINTS_SECONDS: '300', CACHE_TTL_TIMESERIES_SECONDS: '300', CACHE_TTL_DASHBOARD_SECONDS: '300' });
  const stack = useStack(env);

  it('answers a repeated query from Redis until the TTL ends, counting hits and misses', async () => {
    const { projectId, key } = await createProjectKey(stack.api.url);
    const summary = async () => (await fetch(`${stack.api.url}/api/v1/metrics/summary?project=${projectId}&window=1h`, { headers: auth })).json();
    expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(10) })).status).toBe(202);
    await eventually(async () => (await countRows(stack.pool, 'performance_metrics', projectId)) === 10, 'first batch written');

    const before = await lookups(stack.api.url);
    expect((await summary()).overall.requests).toBe(10);
    expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(5) })).status).toBe(202);
    await eventually(async () => (await countRows(stack.pool, 'performance_metrics', projectId)) === 15, 'second batch written');
    // Cached: the five new requests do not show for the summary's TTL.
    expect((await summary()).overall.requests).toBe(10);

    const after = await lookups(stack.api.url);
    expect((after.get('summary miss redis') ?? 0) - (before.get('summary miss redis') ?? 0)).toBe(1);
    expect((after.get('summary hit redis') ?? 0) - (before.get('summary hit redis') ?? 0)).toBe(1);

    const redis = new Redis(env.REDIS_URL);
    try {
      const [, keys] = await redis.scan('0', 'MATCH', `${env.REDIS_KEY_PREFIX}:cache:summary:*`, 'COUNT', 1000);
      expect(keys.length).toBeGreaterThanOrEqual(1);
      expect(await redis.ttl(keys[0])).toBeGreaterThan(200);
    } finally {
      redis.disconnect();
    }

    // The hit is in vigil's own request metrics, in the cache columns.
    await eventually(async () => {
      const { rows } = await stack.pool.query(
        `SELECT sum(cache_hits)::int AS hits, sum(cache_misses)::int AS misses FROM performance_metrics
         WHERE project_id = $1 AND service = 'vigil-api' AND route = '/api/v1/metrics/summary'`,
        [SELF_PROJECT_ID],
      );
      return rows[0].hits >= 1 && rows[0].misses >= 1;
    }, 'cache columns in self-instrumentation');
  });

  it('computes a cold key once for concurrent requests (single-flight)', async () => {
    const before = await lookups(stack.api.url);
    const url = `${stack.api.url}/api/v1/metrics/timeseries?window=3h&step=5m&metric=p95&service=single-flight-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 6 }, async () => (await fetch(url, { headers: auth })).json()));
    expect(answers.every((a) => JSON.stringify(a) === JSON.stringify(answers[0]))).toBe(true);
    const after = await lookups(stack.api.url);
    const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    expect(delta('timeseries miss redis')).toBe(1);
    expect(delta('timeseries hit inflight') + delta('timeseries hit redis')).toBe(5);
  });

  it('does not cache an invalid query: 400 naming the field', async () => {
    const response = await fetch(`${stack.api.url}/api/v1/metrics/endpoints?sort=nope`, { headers: auth });
    expect(response.status).toBe(400);
    expect((await response.json()).error.details).toEqual([{ path: 'sort', message: expect.stringContaining('must be one of') }]);
  });
});

describe('analytics cache with Redis unreachable', () => {
  // Nothing listens on port 1: the cache falls back to its in-memory LRU.
  const env = testEnv({ CACHE_TTL_SUMMARY_SECONDS: '300', REDIS_URL: 'redis://127.0.0.1:1', HEALTH_TIMEOUT_MS: '300', INGEST_ENQUEUE_TIMEOUT_MS: '300' });
  let api: RunningApp;

  beforeAll(async () => {
    api = await startApi(env);
  });
  afterAll(() => api?.close());

  it('serves repeated queries from memory', async () => {
    const url = `${api.url}/api/v1/metrics/summary?window=2h&service=memory-${Date.now()}`;
    const first = await fetch(url, { headers: auth });
    expect(first.status).toBe(200);
    const second = await fetch(url, { headers: auth });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(await first.json());
    const counts = await lookups(api.url);
    expect(counts.get('summary miss memory')).toBe(1);
    expect(counts.get('summary hit memory')).toBe(1);
  });
});
