import parsePrometheusTextFormat, { MetricFamily, Sample } from 'parse-prometheus-text-format';
import { SelfMetricsRecorder } from '@vigil/monitoring';
import { createProjectKey, ingest, requestEvents, useStack } from '../helpers/apps';
import { countRows, eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

type Scrape = Map<string, MetricFamily>;

/**
 * GET /metrics without credentials, parsed by metric name. The parser drops
 * the labels of labelled histograms (yunyu/parse-prometheus-text-format#13),
 * so their TYPE lines are removed: `<name>_bucket`, `_sum` and `_count` then
 * come out as plain series with their labels.
 */
async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = (await response.text()).replace(/^# TYPE \S+ histogram$/gm, '');
  return new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
}

/** The samples of one metric whose labels include `labels`. */
function samples(scrape: Scrape, name: string, labels: Record<string, string> = {}): Sample[] {
  const family = scrape.get(name);
  if (!family) throw new Error(`${name} is missing`);
  return family.metrics.filter((sample) => Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v));
}

function value(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const [sample, ...more] = samples(scrape, name, labels);
  if (!sample || more.length) throw new Error(`expected one ${name} sample for ${JSON.stringify(labels)}`);
  return Number(sample.value);
}

describe('GET /metrics', () => {
  const stack = useStack(testEnv());
  const N = 37;
  let projectId: string;

  beforeAll(async () => {
    let key: string;
    ({ projectId, key } = await createProjectKey(stack.api.url));
    const batch = { events: requestEvents(N) };
    expect((await ingest(stack.api.url, 'requests', key, batch, { 'idempotency-key': 'prom-1' })).status).toBe(202);
    // A replayed answer stores nothing new, so it must not count as ingested either.
    const replay = await ingest(stack.api.url, 'requests', key, batch, { 'idempotency-key': 'prom-1' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    await eventually(async () => (await countRows(stack.pool, 'performance_metrics', projectId)) === N, `${N} request rows`);
  });

  it.each([
    ['api', () => stack.api.url],
    ['worker', () => stack.worker!.url],
  ])('%s: serves default metrics and the queue gauge, without a token', async (_, url) => {
    const metrics = await scrape(url());
    expect(value(metrics, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    for (const queue of ['ingest', 'maintenance']) {
      const states = samples(metrics, 'vigil_queue_jobs', { queue }).map((s) => s.labels?.state);
      expect(states.sort()).toEqual(['active', 'delayed', 'failed', 'waiting']);
    }
  });

  it('api: counts accepted events by kind, and the Redis breaker as closed', async () => {
    const metrics = await scrape(stack.api.url);
    // Self-instrumentation enqueues directly, not through ingest: only the test's batch counts.
    expect(value(metrics, 'vigil_events_ingested_total', { kind: 'requests' })).toBe(N);
    expect(value(metrics, 'vigil_breaker_open', { breaker: 'redis' })).toBe(0);
  });

  it('worker: counts written events, times batch writes and reports the rollup lag', async () => {
    // The counter moves just after the commit that made the rows visible.
    let metrics: Scrape = new Map();
    await eventually(async () => {
      metrics = await scrape(stack.worker!.url);
      return samples(metrics, 'vigil_events_written_total', { kind: 'requests' }).some((s) => Number(s.value) >= N);
    }, `${N} written events in /metrics`);

    const writes = value(metrics, 'vigil_batch_write_duration_seconds_count', { kind: 'requests' });
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(value(metrics, 'vigil_batch_write_duration_seconds_bucket', { kind: 'requests', le: '+Inf' })).toBe(writes);
    expect(value(metrics, 'vigil_rollup_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it("api: scrapes are not recorded as the API's own requests", async () => {
    const recorded = jest.spyOn(stack.api.app.get(SelfMetricsRecorder).client, 'record');
    await scrape(stack.api.url);
    // A request after the scrape shows the hook ran meanwhile.
    await fetch(`${stack.api.url}/api/v1/projects`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await eventually(async () => recorded.mock.calls.some(([, event]) => 'route' in event && event.route === '/api/v1/projects'), 'the later request recorded');
    expect(recorded.mock.calls.map(([, event]) => ('route' in event ? event.route : undefined))).not.toContain('/metrics');
    recorded.mockRestore();
  });
});
