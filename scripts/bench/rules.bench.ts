import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AlertRule, RuleEvaluator, RuleInput, TickResult, validateRule } from '@vigil/alerting';
import { RequestEvent, validateEnv } from '@vigil/common';
import { dataSourceOptions } from '@vigil/database';
import { BatchWriter, MetricsQueryService, PartitionManager } from '@vigil/monitoring';
import { DataSource, EntityManager, Not } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { BENCH_DATABASE_URL, BenchStack, envInt, mulberry32, runBench } from './harness';

/**
 * One alert-evaluation tick at scale: BENCH_RULES threshold rules over 1,000
 * endpoints (20 services × 50 routes). Request events for the last minutes go
 * through the real BatchWriter, so the rules read real minute rollups; then the
 * real RuleEvaluator runs in this process, as the worker's alerting job does
 * once a minute, and each evaluateTick() call is timed from outside. Three
 * consecutive ticks run, each seeing the states the previous one left; eval_ms
 * is their median.
 *
 *   BENCH_RULES (10000)  BENCH_EVENTS_PER_MINUTE (10, per endpoint)
 *
 * Where the CPU goes: node --cpu-prof dist/scripts/bench/rules.bench.js
 */

const SERVICES = 20;
const ROUTES = 50;
const TICKS = 3;
const MINUTE = 60_000;
/** The longest rule window (5 min) before the first tick, then one more minute per later tick. */
const SEED_MINUTES = 5 + TICKS - 1;
const BATCH = 10_000; // the ingest limit
const SLOW_MEDIAN_MS = 1200;
const DEADLINE_MS = 3 * 60_000;
const TOP_STATEMENTS = 8;

async function bench(stack: BenchStack): Promise<string> {
  const config = { rules: envInt('BENCH_RULES', 10_000), eventsPerMinute: envInt('BENCH_EVENTS_PER_MINUTE', 10) };
  console.log(
    `rules bench: ${config.rules} enabled threshold rules over ${ENDPOINTS.length} endpoints (${SERVICES} services × ${ROUTES} routes); ` +
      `${config.eventsPerMinute} events per endpoint per minute for ${SEED_MINUTES} minutes`,
  );
  // PartitionManager logs its partitions and the evaluator every notification; stdout is for the bench's own lines.
  Logger.overrideLogger(['warn', 'error']);

  await stack.resetDatabase();
  const { projectId } = await stack.createKey('rules-bench');
  const db = await openDatabase();
  try {
    // The last tick is the current minute, as the scheduler would stamp it now; all seeded minutes are past.
    const lastTick = Math.floor(Date.now() / MINUTE) * MINUTE;
    const ticks = Array.from({ length: TICKS }, (_, i) => lastTick - (TICKS - 1 - i) * MINUTE);
    await seed(db, projectId, lastTick, config.eventsPerMinute);
    const identities = await setUpRules(db, config.rules, projectId);

    const timings = await runTicks(db, ticks, identities);
    await reportFiring(db, config.rules);
    const medianTick = [...timings].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(timings.length / 2)];
    printStatements(medianTick);

    console.log(`eval_ms: median of ${TICKS} consecutive ticks (${timings.map((t) => Math.round(t.totalMs)).join(', ')} ms), each one evaluateTick() call, in-process`);
    return `rules=${config.rules} eval_ms=${Math.round(medianTick.totalMs)}`;
  } finally {
    await db.destroy();
  }
}

function openDatabase(): Promise<DataSource> {
  const env = validateEnv({ DATABASE_URL: BENCH_DATABASE_URL, DB_POOL_SIZE: 4 });
  const options = dataSourceOptions(env, { applicationName: 'vigil-rules-bench' });
  // TypeORM prints every slow query to stdout, logger or not; the bench times its own.
  return new DataSource({ ...options, maxQueryExecutionTime: undefined }).initialize();
}

// ---- traffic ------------------------------------------------------------------------------------

interface Endpoint {
  service: string;
  method: string;
  route: string;
  team: string;
  medianMs: number;
  /** `recovering`: slow in every seeded minute but the last, so its 60 s rules resolve in the last tick. */
  slow: 'no' | 'always' | 'recovering';
  /** 30% 5xx. */
  failing: boolean;
}

const METHODS = ['GET', 'GET', 'POST', 'PUT', 'DELETE'];

/** One method per route, so a service+route rule watches exactly one endpoint. 5% slow, 1% recovering, 5% failing. */
const ENDPOINTS: Endpoint[] = Array.from({ length: SERVICES * ROUTES }, (_, i) => {
  const s = Math.floor(i / ROUTES);
  const service = `svc-${String(s).padStart(2, '0')}`;
  return {
    service,
    method: METHODS[i % METHODS.length],
    route: `/${service}/resource-${i % ROUTES}/:id`,
    team: `team-${s % 5}`,
    medianMs: 15 + (i % 40) * 2,
    slow: i % 20 === 7 ? 'always' : i % 100 === 42 ? 'recovering' : 'no',
    failing: i % 20 === 13,
  };
});

const SERVICE_NAMES = [...new Set(ENDPOINTS.map((e) => e.service))];

/** The seeded minutes end where the last tick starts; one batch per minute (or more, past the ingest limit). */
async function seed(db: DataSource, projectId: string, lastTick: number, perEndpoint: number): Promise<void> {
  const writer = new BatchWriter(db, new PartitionManager(db));
  const random = mulberry32(1);
  const started = performance.now();
  let written = 0;
  for (let m = SEED_MINUTES; m >= 1; m--) {
    const events = minuteEvents(lastTick - m * MINUTE, m === 1, perEndpoint, random);
    for (let i = 0; i < events.length; i += BATCH) {
      // In time order and one at a time, as a live stream arrives: no contention on the hour and day rollup rows.
      const result = await writer.write('requests', { batchId: randomUUID(), projectId, receivedAt: Date.now(), events: events.slice(i, i + BATCH) });
      written += result.written;
    }
  }
  console.log(`seeded ${written} events through the BatchWriter in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function minuteEvents(from: number, lastMinute: boolean, perEndpoint: number, random: () => number): RequestEvent[] {
  const events: RequestEvent[] = [];
  for (const endpoint of ENDPOINTS) {
    const slow = endpoint.slow === 'always' || (endpoint.slow === 'recovering' && !lastMinute);
    const median = slow ? SLOW_MEDIAN_MS : endpoint.medianMs;
    for (let k = 0; k < perEndpoint; k++) {
      const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const status = endpoint.failing && random() < 0.3 ? 503 : random() < 0.02 ? 404 : 200;
      events.push({
        timestamp: from + Math.floor(random() * MINUTE),
        service: endpoint.service,
        method: endpoint.method,
        route: endpoint.route,
        status,
        durationMs: Math.round(median * Math.exp(0.4 * gaussian) * 1000) / 1000,
        requestId: `r${events.length}`,
      });
    }
  }
  return events;
}

// ---- rules --------------------------------------------------------------------------------------

type Template = Omit<RuleInput, 'name' | 'kind' | 'projectId' | 'service' | 'route' | 'labels' | 'groupByEndpoint'>;

/** Per endpoint, cycled: latency rules fire on slow endpoints, error-rate rules on failing ones, the rest stay quiet. */
const ENDPOINT_TEMPLATES: Template[] = [
  { metric: 'p95', windowSeconds: 300, warning: 500, critical: 1000, minSamples: 10 },
  { metric: 'p99', windowSeconds: 300, warning: 800, critical: 5000, minSamples: 10 },
  { metric: 'avg', windowSeconds: 60, warning: 400, critical: 800 },
  { metric: 'p95', windowSeconds: 60, warning: 500, critical: 1000, forEvaluations: 2 },
  { metric: 'error_rate', windowSeconds: 300, warning: 0.05, critical: 0.2, recovery: 0.02 },
  { metric: 'error_rate', windowSeconds: 60, warning: 0.1, critical: 0.5, forEvaluations: 2 },
  { metric: 'throughput', windowSeconds: 60, direction: 'below', warning: 0.02, noData: 'alert' },
  { metric: 'request_count', windowSeconds: 300, warning: 100_000 },
  { metric: 'p99', windowSeconds: 60, warning: 1500, critical: 5000, keepFiringForSeconds: 120 },
  { metric: 'p50', windowSeconds: 300, warning: 300, critical: 1000 },
];

const SERVICE_TEMPLATES: Template[] = [
  { metric: 'p95', windowSeconds: 300, warning: 800, critical: 2000 },
  { metric: 'p99', windowSeconds: 300, warning: 1500, critical: 4000 },
  { metric: 'avg', windowSeconds: 60, warning: 200, critical: 500 },
  { metric: 'error_rate', windowSeconds: 300, warning: 0.02, critical: 0.05 },
  { metric: 'error_rate', windowSeconds: 60, warning: 0.05, critical: 0.1, forEvaluations: 2 },
  { metric: 'throughput', windowSeconds: 60, direction: 'below', warning: 1 },
  { metric: 'request_count', windowSeconds: 300, warning: 1_000_000 },
  { metric: 'p50', windowSeconds: 60, warning: 300 },
];

/** Over a whole service, one identity per endpoint. */
const GROUPED_TEMPLATES: Template[] = [
  { metric: 'p95', windowSeconds: 300, warning: 600, critical: 1500, minSamples: 10 },
  { metric: 'error_rate', windowSeconds: 60, warning: 0.1, critical: 0.25 },
];

/**
 * Tops up the rules the migrations ship (a real install has them too) to
 * `total` enabled threshold rules, and returns how many identities the
 * evaluator must find for them.
 */
async function setUpRules(db: DataSource, total: number, projectId: string): Promise<number> {
  const shipped = await thresholdRules(db);
  const rules = buildRules(total - shipped.length, projectId);
  await insertRules(db, rules);
  // As autovacuum would have long before: fresh statistics for the rollups and the rules.
  await db.query('VACUUM (ANALYZE) request_rollups, alert_rules');
  const watched = await thresholdRules(db);
  if (watched.length !== total) throw new Error(`the evaluator would read ${watched.length} rules, not ${total}`);
  const identities = watched.reduce((sum, rule) => sum + identitiesOf(rule), 0);
  // The evaluator reads the shipped error-count rule too; with no error events seeded it watches nothing.
  const others = await db.getRepository(AlertRule).count({ where: { enabled: true, kind: Not('threshold') } });
  const scoped = (test: (r: RuleInput) => boolean) => rules.filter(test).length;
  console.log(
    `rules: ${shipped.length} shipped by the migrations + ${rules.length} inserted (${scoped((r) => !!r.route)} per endpoint, ` +
      `${scoped((r) => !r.route && !r.groupByEndpoint)} per service, ${scoped((r) => !!r.groupByEndpoint)} per service grouped by endpoint); ` +
      `${identities} identities per tick; plus ${others} enabled rules of other kinds (no identities here)`,
  );
  return identities;
}

/** The threshold rules the evaluator reads (its filter also takes error-count rules). */
function thresholdRules(db: DataSource): Promise<AlertRule[]> {
  return db.getRepository(AlertRule).find({ where: { enabled: true, kind: 'threshold' } });
}

/** One identity per rule, or one per endpoint of its service when grouped: every endpoint has traffic in every window, all in one project. */
function identitiesOf(rule: AlertRule): number {
  if (!rule.groupByEndpoint) return 1;
  return ENDPOINTS.filter((e) => !rule.service || e.service === rule.service).length;
}

/** Every rule as the API would take it, through validateRule. */
function buildRules(total: number, projectId: string): RuleInput[] {
  const fixed = SERVICE_NAMES.length * (SERVICE_TEMPLATES.length + GROUPED_TEMPLATES.length);
  if (total < fixed + ENDPOINTS.length) throw new Error(`BENCH_RULES is too small: the bench inserts at least ${fixed + ENDPOINTS.length} rules`);
  const rules: RuleInput[] = [];
  const add = (name: string, scope: Partial<RuleInput>, template: Template) =>
    rules.push(validateRule({ name, kind: 'threshold', projectId, ...scope, ...template }));

  for (const service of SERVICE_NAMES) {
    const labels = { team: ENDPOINTS.find((e) => e.service === service)!.team };
    SERVICE_TEMPLATES.forEach((t, i) => add(`${service} ${t.metric} ${t.windowSeconds}s #s${i}`, { service, labels }, t));
    GROUPED_TEMPLATES.forEach((t, i) => add(`${service} endpoints ${t.metric} ${t.windowSeconds}s #g${i}`, { service, groupByEndpoint: true, labels }, t));
  }
  for (let i = 0; rules.length < total; i++) {
    const endpoint = ENDPOINTS[i % ENDPOINTS.length];
    const template = ENDPOINT_TEMPLATES[Math.floor(i / ENDPOINTS.length) % ENDPOINT_TEMPLATES.length];
    const name = `${endpoint.method} ${endpoint.route} ${template.metric} ${template.windowSeconds}s #e${i}`;
    add(name, { service: endpoint.service, route: endpoint.route, labels: { team: endpoint.team } }, template);
  }
  return rules;
}

/** Through the entity, so the columns the inputs leave out get the same defaults as rules made by the API. */
async function insertRules(db: DataSource, rules: RuleInput[]): Promise<void> {
  const started = performance.now();
  const repository = db.getRepository(AlertRule);
  // 17 columns × 1000 rows stays under Postgres's 65,535 bind parameters.
  for (let i = 0; i < rules.length; i += 1000) await repository.insert(rules.slice(i, i + 1000) as Array<QueryDeepPartialEntity<AlertRule>>);
  console.log(`inserted ${rules.length} rules in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// ---- timing -------------------------------------------------------------------------------------

interface StatementStat {
  count: number;
  ms: number;
}

interface TickTiming {
  result: TickResult;
  totalMs: number;
  /** Until the sampler's first query: reading the rules. */
  loadMs: number;
  /** From there until the transaction opens: rollup reads and in-memory merging. */
  samplingMs: number;
  samplingQueries: number;
  samplingSqlMs: number;
  /** BEGIN to COMMIT, both included. */
  txMs: number;
  statements: Map<string, StatementStat>;
}

/**
 * Sees one tick from outside the evaluator, through its DataSource: every
 * raw query goes through DataSource.query, the transaction's with a query
 * runner and the sampler's rollup reads without one. The wrappers only count
 * and time.
 */
class Probe {
  private tick!: Omit<TickTiming, 'result' | 'totalMs' | 'loadMs' | 'samplingMs'> & { firstQueryAt: number; txStartedAt: number };

  constructor(db: DataSource) {
    this.reset();
    const query = db.query.bind(db) as (sql: string, parameters?: unknown[], runner?: unknown) => Promise<unknown>;
    db.query = (async (sql: string, parameters?: unknown[], runner?: unknown) => {
      const started = performance.now();
      try {
        return await query(sql, parameters, runner);
      } finally {
        if (runner) this.countStatement(sql, performance.now() - started);
        else this.countSampling(started, performance.now() - started);
      }
    }) as DataSource['query'];

    const transaction = db.transaction.bind(db) as (run: (tx: EntityManager) => Promise<unknown>) => Promise<unknown>;
    db.transaction = (async (run: (tx: EntityManager) => Promise<unknown>) => {
      this.tick.txStartedAt = performance.now();
      try {
        return await transaction(run);
      } finally {
        this.tick.txMs = performance.now() - this.tick.txStartedAt;
      }
    }) as DataSource['transaction'];
  }

  async time(evaluate: () => Promise<TickResult>): Promise<TickTiming> {
    this.reset();
    const started = performance.now();
    const result = await evaluate();
    const totalMs = performance.now() - started;
    const { firstQueryAt, txStartedAt, ...rest } = this.tick;
    return { ...rest, result, totalMs, loadMs: firstQueryAt - started, samplingMs: txStartedAt - firstQueryAt };
  }

  private reset(): void {
    this.tick = { firstQueryAt: 0, txStartedAt: 0, samplingQueries: 0, samplingSqlMs: 0, txMs: 0, statements: new Map() };
  }

  /** The first rollup read marks the end of loading the rules. */
  private countSampling(started: number, ms: number): void {
    this.tick.firstQueryAt ||= started;
    this.tick.samplingQueries++;
    this.tick.samplingSqlMs += ms;
  }

  /** Per statement text, how often and how long: where a slow transaction's round trips go. */
  private countStatement(sql: string, ms: number): void {
    const key = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    const stat = this.tick.statements.get(key) ?? { count: 0, ms: 0 };
    stat.count++;
    stat.ms += ms;
    this.tick.statements.set(key, stat);
  }
}

/** Ticks in order, each after the previous one committed, as the scheduler runs them a minute apart. */
async function runTicks(db: DataSource, ticks: number[], expectedIdentities: number): Promise<TickTiming[]> {
  const probe = new Probe(db);
  const evaluator = new RuleEvaluator(db, new MetricsQueryService(db));
  const timings: TickTiming[] = [];
  for (const [i, tick] of ticks.entries()) {
    const timing = await probe.time(() => evaluator.evaluateTick(new Date(tick).toISOString()));
    const { evaluated, skipped } = timing.result;
    if (evaluated + skipped !== expectedIdentities) {
      throw new Error(`tick ${timing.result.tick} saw ${evaluated + skipped} identities, expected ${expectedIdentities}: are the rollups there?`);
    }
    printTick(i + 1, timing);
    timings.push(timing);
  }
  return timings;
}

function printTick(n: number, t: TickTiming): void {
  const statements = [...t.statements.values()].reduce((sum, s) => sum + s.count, 0);
  const transitions = new Map<string, number>();
  for (const change of t.result.changes) transitions.set(change.transition, (transitions.get(change.transition) ?? 0) + 1);
  const byType = [...transitions].map(([type, count]) => `${type} ${count}`).join(', ');
  console.log(
    `tick ${n} ${t.result.tick}: ${Math.round(t.totalMs)} ms = load ${Math.round(t.loadMs)} + sampling ${Math.round(t.samplingMs)} ` +
      `(${t.samplingQueries} queries, ${Math.round(t.samplingSqlMs)} ms in SQL) + transaction ${Math.round(t.txMs)} (${statements} statements) ` +
      `+ rest ${Math.round(t.totalMs - t.loadMs - t.samplingMs - t.txMs)}; ` +
      `${t.result.evaluated} identities evaluated, ${t.result.skipped} skipped, ${t.result.changes.length} transitions${byType ? ` (${byType})` : ''}`,
  );
}

/** The transaction's statements by total time: the round trips are where a slow transaction's time goes. */
function printStatements(t: TickTiming): void {
  const top = [...t.statements].sort((a, b) => b[1].ms - a[1].ms).slice(0, TOP_STATEMENTS);
  console.log(`median tick's transaction (${Math.round(t.txMs)} ms), statements by total time:`);
  for (const [sql, s] of top) {
    console.log(`  ${String(s.count).padStart(6)} × ${(s.ms / s.count).toFixed(2)} ms = ${String(Math.round(s.ms)).padStart(5)} ms  ${sql}`);
  }
}

/** How much the seeded incidents set off: the bench aims at about 5% of the rules. */
async function reportFiring(db: DataSource, rules: number): Promise<void> {
  const [row]: Array<{ identities: number; firing: number; rules: number }> = await db.query(
    `SELECT count(*)::int AS identities, count(*) FILTER (WHERE phase = 'firing')::int AS firing,
            count(DISTINCT rule_id) FILTER (WHERE phase = 'firing')::int AS rules
     FROM alert_states`,
  );
  console.log(
    `after the last tick: ${row.firing} of ${row.identities} identities firing, ` +
      `${row.rules} of ${rules} rules with a firing identity (${((100 * row.rules) / rules).toFixed(1)}%)`,
  );
}

// At the end: the bench reads the endpoint and rule tables above, which must be initialised first.
runBench(bench, { deadlineMs: DEADLINE_MS });
