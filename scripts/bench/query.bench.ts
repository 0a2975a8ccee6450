import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { RequestEvent, validateEnv } from '@vigil/common';
import { dataSourceOptions } from '@vigil/database';
import {
  BatchWriter,
  coverWindow,
  EndpointStats,
  PartitionManager,
  RequestRollupRow,
  RequestStats,
  RequestStatsAccumulator,
  segmentsSql,
} from '@vigil/monitoring';
import { DataSource } from 'typeorm';
import { BENCH_DATABASE_URL, envInt, mulberry32, runBench, Service } from './harness';

/**
 * 7-day query latency and accuracy at scale. BENCH_EVENTS request events
 * spread over the last week go through the real BatchWriter (raw rows and
 * rollups in one transaction, as the worker writes them); then one API
 * answers the 7-day summary and endpoints over HTTP, and the same percentiles
 * are computed exactly from the raw rows, for the speedup and the sketch error.
 *
 *   BENCH_EVENTS (10000000)  BENCH_QUERY_RUNS (30)  BENCH_WRITERS (3)
 */

const BATCH = 10_000; // the ingest limit
const WARMUP_RUNS = 3;
const EXACT_RUNS = 2;
const BREAKDOWN_RUNS = 5;
const PROGRESS_EVERY = 1_000_000;
/** Seeding 10M events takes minutes: more than the harness's default safety net. */
const DEADLINE_MS = 30 * 60_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Config {
  events: number;
  queryRuns: number;
  writers: number;
}

/** Where the seeded events fall: [from, to), well inside the 7-day window whenever the queries run. */
interface SeedPlan {
  events: number;
  from: number;
  to: number;
}

interface Endpoint {
  service: string;
  method: string;
  route: string;
  medianMs: number;
  sigma: number;
}

interface EndpointsBody {
  total: number;
  items: EndpointStats[];
}

runBench(async (stack) => {
  const config: Config = {
    events: envInt('BENCH_EVENTS', 10_000_000),
    queryRuns: envInt('BENCH_QUERY_RUNS', 30),
    writers: envInt('BENCH_WRITERS', 3),
  };
  console.log(`query bench: ${config.events} events in batches of ${BATCH}, ${config.writers} concurrent writers, ${config.queryRuns} timed runs per query`);
  // PartitionManager logs each partition it creates; stdout is for the bench's own lines.
  Logger.overrideLogger(['warn', 'error']);

  await stack.resetDatabase();
  const { projectId } = await stack.createKey('query-bench');
  // Started before the long seeding, so a broken API fails the bench at once; it is idle until then.
  const api = await stack.startApi({ cache: false });
  const db = await openDatabase(config.writers + 2);
  try {
    const now = Date.now();
    await seed(db, projectId, { events: config.events, from: now - 7 * DAY + HOUR, to: now - 2 * MINUTE }, config.writers);
    await settle(db);

    const timings = await timeQueries(api, stack.adminToken, projectId, config.queryRuns);
    await breakdown(db, projectId);
    const exactMs = await timeExactSql(db, projectId);
    const maxError = await compareWithExact(db, projectId, config.events, timings.summary, timings.endpoints);

    const p95 = percentile(timings.ms, 0.95);
    // Five decimals: the sketch's bound is 0.01 and errors land right below it.
    return `p95_query_ms=${p95.toFixed(1)} exact_sql_ms=${Math.round(exactMs)} speedup=${(exactMs / p95).toFixed(1)} max_rel_error=${maxError.toFixed(5)}`;
  } finally {
    await db.destroy();
  }
}, { deadlineMs: DEADLINE_MS });

function openDatabase(poolSize: number): Promise<DataSource> {
  const env = validateEnv({ DATABASE_URL: BENCH_DATABASE_URL, DB_POOL_SIZE: poolSize });
  const options = dataSourceOptions(env, { applicationName: 'vigil-query-bench' });
  // TypeORM prints every slow query to stdout, logger or not; the bench times its own.
  return new DataSource({ ...options, maxQueryExecutionTime: undefined }).initialize();
}

// ---- seeding ------------------------------------------------------------------------------------

/** 5 services × 10 routes, one method each: 50 endpoints, each with its own latency profile. */
const SERVICES = ['checkout', 'catalog', 'accounts', 'search', 'shipping'];
const ROUTES = [
  ['GET', ''], ['GET', '/:id'], ['GET', '/:id/items'], ['GET', '/:id/history'], ['GET', '/search'],
  ['GET', '/export'], ['POST', ''], ['POST', '/:id/items'], ['POST', '/:id/cancel'], ['POST', '/bulk'],
];
const ENDPOINTS: Endpoint[] = SERVICES.flatMap((service, s) =>
  ROUTES.map(([method, path], r) => {
    const i = s * ROUTES.length + r;
    return { service, method, route: `/${service}${path}`, medianMs: 8 + 6 * i, sigma: 0.5 + (i % 5) * 0.15 };
  }),
);

/**
 * Writes the plan through the real BatchWriter, `writers` batches at a time.
 * Batches are handed out in time order, as a live stream arrives, so each
 * touches ~10 minutes of rollup rows rather than the whole week.
 */
async function seed(db: DataSource, projectId: string, plan: SeedPlan, writers: number): Promise<void> {
  const writer = new BatchWriter(db, new PartitionManager(db));
  const batches = Math.ceil(plan.events / BATCH);
  const progress = progressReporter(plan.events);
  let next = 0;
  const drain = async () => {
    for (let b = next++; b < batches; b = next++) {
      const result = await writer.write('requests', { batchId: randomUUID(), projectId, receivedAt: Date.now(), events: batchEvents(plan, b) });
      progress(result.written);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, drain));
  const seconds = (performance.now() - started) / 1000;
  console.log(`seeded ${plan.events} events in ${seconds.toFixed(1)} s: ${Math.round(plan.events / seconds)} events/s`);
}

/**
 * Batch `b` of the plan. Event i falls at a random instant of the i-th equal
 * slice of [from, to): uniform over the week, and each batch's PRNG depends
 * only on `b`, so the data is the same whichever writer takes the batch.
 */
function batchEvents(plan: SeedPlan, b: number): RequestEvent[] {
  const random = mulberry32(b + 1);
  const first = b * BATCH;
  const last = Math.min(plan.events, first + BATCH);
  const slice = (plan.to - plan.from) / plan.events;
  const events: RequestEvent[] = new Array(last - first);
  for (let i = first; i < last; i++) events[i - first] = requestEvent(i, Math.floor(plan.from + (i + random()) * slice), random);
  return events;
}

/** ~2% 5xx and ~3% 4xx; lognormal durations to the microsecond, so values rarely repeat. */
function requestEvent(i: number, timestamp: number, random: () => number): RequestEvent {
  const endpoint = ENDPOINTS[Math.floor(random() * ENDPOINTS.length)];
  const roll = random();
  const status = roll < 0.02 ? 503 : roll < 0.05 ? 404 : 200;
  const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const durationMs = Math.max(0.001, Math.round(endpoint.medianMs * Math.exp(endpoint.sigma * gaussian) * 1000) / 1000);
  return { timestamp, service: endpoint.service, method: endpoint.method, route: endpoint.route, status, durationMs, requestId: `q${i}` };
}

/** A progress line each time another PROGRESS_EVERY events are written. */
function progressReporter(total: number): (written: number) => void {
  const started = performance.now();
  let done = 0;
  let last = { at: started, done: 0 };
  return (written) => {
    done += written;
    if (Math.floor(done / PROGRESS_EVERY) === Math.floor((done - written) / PROGRESS_EVERY)) return;
    const now = performance.now();
    const rate = (events: number, ms: number) => Math.round((events / ms) * 1000);
    console.log(`  ${done}/${total} events: ${rate(done, now - started)} events/s overall, ${rate(done - last.done, now - last.at)} events/s lately`);
    last = { at: now, done };
  };
}

/**
 * Vacuums and analyzes what was just loaded, as autovacuum would have long
 * before anyone queries a week: otherwise the first scan of each side pays
 * for hint bits and dead rollup versions, which is not what is measured.
 */
async function settle(db: DataSource): Promise<void> {
  const started = performance.now();
  await db.query('VACUUM (ANALYZE) performance_metrics, request_rollups');
  console.log(`vacuum analyze: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// ---- timing ------------------------------------------------------------------------------------

interface QueryTimings {
  /** Every timed request, both queries. */
  ms: number[];
  summary: { overall: RequestStats };
  endpoints: EndpointsBody;
}

/** Sequential requests over loopback, timed by the client from send to the last byte. */
async function timeQueries(api: Service, token: string, projectId: string, runs: number): Promise<QueryTimings> {
  const base = `${api.url}/api/v1/metrics`;
  const urls = { summary: `${base}/summary?window=7d&project=${projectId}`, endpoints: `${base}/endpoints?window=7d&project=${projectId}&limit=50` };
  for (let i = 0; i < WARMUP_RUNS; i++) {
    await timedGet(urls.summary, token);
    await timedGet(urls.endpoints, token);
  }
  const ms = { summary: [] as number[], endpoints: [] as number[] };
  let summary!: Timed<QueryTimings['summary']>;
  let endpoints!: Timed<EndpointsBody>;
  for (let i = 0; i < runs; i++) {
    summary = await timedGet(urls.summary, token);
    endpoints = await timedGet(urls.endpoints, token);
    ms.summary.push(summary.ms);
    ms.endpoints.push(endpoints.ms);
  }
  for (const [name, list] of Object.entries(ms)) {
    console.log(`${name}: p50 ${percentile(list, 0.5).toFixed(1)} ms, p95 ${percentile(list, 0.95).toFixed(1)} ms, max ${Math.max(...list).toFixed(1)} ms`);
  }
  return { ms: [...ms.summary, ...ms.endpoints], summary: summary.body, endpoints: endpoints.body };
}

interface Timed<T> {
  ms: number;
  body: T;
}

async function timedGet<T>(url: string, token: string): Promise<Timed<T>> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 300)}`);
  return { ms, body: JSON.parse(text) as T };
}

/**
 * Where a query's time goes, in this process with the API's own SQL and merge
 * code: Postgres executing the rollup query, fetching its rows (wire and
 * parsing included) and merging their sketches. Diagnostic only.
 */
async function breakdown(db: DataSource, projectId: string): Promise<void> {
  const now = Date.now();
  const cover = segmentsSql(coverWindow({ from: now - 7 * DAY, to: now }), 1);
  const sql = `SELECT service, method, route, count, status_4xx, status_5xx, duration_sum, duration_max, sketch
               FROM request_rollups WHERE ${cover.sql} AND project_id = $${cover.params.length + 1}`;
  const params = [...cover.params, projectId];

  const plan: Array<{ 'QUERY PLAN': string }> = await db.query(`EXPLAIN (ANALYZE) ${sql}`, params);
  const timing = (label: string) => plan.map((r) => r['QUERY PLAN']).find((line) => line.startsWith(label))?.replace(/^.*: /, '') ?? '?';
  const fetchMs: number[] = [];
  const mergeMs: number[] = [];
  let rows: RequestRollupRow[] = [];
  for (let i = 0; i < BREAKDOWN_RUNS; i++) {
    let started = performance.now();
    rows = await db.query(sql, params);
    fetchMs.push(performance.now() - started);
    started = performance.now();
    const overall = new RequestStatsAccumulator();
    for (const row of rows) overall.add(row);
    overall.stats(7 * 86_400);
    mergeMs.push(performance.now() - started);
  }
  const sketchBytes = rows.reduce((sum, row) => sum + row.sketch.length, 0);
  console.log(
    `breakdown: ${rows.length} rollup rows (${Math.round(sketchBytes / 1024)} KiB of sketches); ` +
      `postgres planning ${timing('Planning Time')} + execution ${timing('Execution Time')} (before sending rows); ` +
      `fetch median ${percentile(fetchMs, 0.5).toFixed(1)} ms; merge into one accumulator median ${percentile(mergeMs, 0.5).toFixed(1)} ms`,
  );
}

// ---- exact answers -----------------------------------------------------------------------------

const RAW_WEEK = `FROM performance_metrics WHERE project_id = $1 AND ts >= now() - interval '7 days'`;

/** The exact overall percentiles from the raw rows: the faster of EXACT_RUNS runs (the second has a warm cache). */
async function timeExactSql(db: DataSource, projectId: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < EXACT_RUNS; i++) {
    const started = performance.now();
    await db.query(`SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS q ${RAW_WEEK}`, [projectId]);
    runs.push(performance.now() - started);
  }
  console.log(`exact sql (percentile_cont over raw rows): ${runs.map((ms) => `${Math.round(ms)} ms`).join(', ')}; taking the faster`);
  return Math.min(...runs);
}

/**
 * The largest relative error of vigil's overall p50/p95/p99 and of every
 * endpoint's p95 against percentile_disc (an observed value, as the sketch
 * returns). percentile_cont is printed for the overall numbers alongside.
 */
async function compareWithExact(
  db: DataSource,
  projectId: string,
  seeded: number,
  summary: { overall: RequestStats },
  endpoints: EndpointsBody,
): Promise<number> {
  const [overall] = await db.query(
    `SELECT count(*)::int AS n,
            percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS disc,
            percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS cont ${RAW_WEEK}`,
    [projectId],
  );
  if (overall.n !== seeded || summary.overall.requests !== seeded) {
    throw new Error(`seeded ${seeded} events, but the raw week holds ${overall.n} and vigil's summary counts ${summary.overall.requests}`);
  }
  const errors: number[] = [];
  (['p50Ms', 'p95Ms', 'p99Ms'] as const).forEach((key, i) => {
    const vigil = Number(summary.overall[key]);
    const [disc, cont] = [overall.disc[i] as number, overall.cont[i] as number];
    errors.push(relError(vigil, disc));
    console.log(`overall ${key.slice(0, 3)}: vigil ${vigil} ms, exact disc ${disc} ms (error ${relError(vigil, disc).toFixed(5)}), cont ${cont.toFixed(3)} ms (error ${relError(vigil, cont).toFixed(5)})`);
  });
  errors.push(await endpointErrors(db, projectId, endpoints));
  return Math.max(...errors);
}

/** The largest relative error of an endpoint's p95; every endpoint must be listed by vigil and found in the raw rows. */
async function endpointErrors(db: DataSource, projectId: string, endpoints: EndpointsBody): Promise<number> {
  const rows: Array<{ service: string; method: string; route: string; p95: number }> = await db.query(
    `SELECT service, method, route, percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95 ${RAW_WEEK} GROUP BY service, method, route`,
    [projectId],
  );
  const exact = new Map(rows.map((r) => [`${r.service} ${r.method} ${r.route}`, r.p95]));
  if (endpoints.total !== ENDPOINTS.length || endpoints.items.length !== ENDPOINTS.length || exact.size !== ENDPOINTS.length) {
    throw new Error(`expected ${ENDPOINTS.length} endpoints: vigil lists ${endpoints.items.length} of ${endpoints.total}, the raw rows hold ${exact.size}`);
  }
  let worst = { error: 0, name: '' };
  for (const item of endpoints.items) {
    const name = `${item.service} ${item.method} ${item.route}`;
    const p95 = exact.get(name);
    if (p95 === undefined) throw new Error(`vigil lists ${name}, which the raw rows do not hold`);
    const error = relError(Number(item.p95Ms), p95);
    if (error >= worst.error) worst = { error, name: `${name} (vigil ${item.p95Ms} ms, exact disc ${p95} ms)` };
  }
  console.log(`endpoint p95, worst of ${exact.size}: ${worst.name}, error ${worst.error.toFixed(5)}`);
  return worst.error;
}

const relError = (vigil: number, exact: number) => Math.abs(vigil - exact) / exact;

/** Nearest rank: the smallest value with at least q of the list at or below it. */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}
