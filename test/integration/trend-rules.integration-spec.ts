import { randomUUID } from 'node:crypto';
import { AlertRule, RuleEvaluator } from '@vigil/alerting';
import { RequestEvent, validateEnv } from '@vigil/common';
import { dataSourceOptions } from '@vigil/database';
import { BatchWriter, MetricsQueryService, PartitionManager } from '@vigil/monitoring';
import { DataSource } from 'typeorm';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Trend rules over rollups seeded through the real bulk writer, evaluated by the real evaluator. */
describe('trend rules (real Postgres)', () => {
  let db: DataSource;
  let writer: BatchWriter;
  let evaluator: RuleEvaluator;
  const projectId = randomUUID();
  const now = Date.now();
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(validateEnv({ DATABASE_URL: process.env.TEST_DATABASE_URL }), { applicationName: 'vigil-test' })).initialize();
    writer = new BatchWriter(db, new PartitionManager(db));
    evaluator = new RuleEvaluator(db, new MetricsQueryService(db));
    await db.query(`INSERT INTO projects (id, name) VALUES ($1, $2)`, [projectId, `trends-${projectId}`]);
  });

  afterAll(() => db.destroy());

  /** `perMinute` requests a minute over [from, to), durations from `level(t)` with ±10% noise. */
  const traffic = async (service: string, from: number, to: number, perMinute: number, level: (t: number) => number) => {
    const events: RequestEvent[] = [];
    for (let t = from; t < to; t += MINUTE) {
      for (let i = 0; i < perMinute; i++) {
        events.push({ timestamp: t + i * 1000, service, method: 'GET', route: '/x', status: 200, durationMs: level(t) * (0.9 + 0.2 * random()) });
      }
    }
    for (let i = 0; i < events.length; i += 10_000) {
      await writer.write('requests', { batchId: randomUUID(), projectId, receivedAt: now, events: events.slice(i, i + 10_000) });
    }
  };

  const rule = (fields: Partial<AlertRule>) =>
    db.getRepository(AlertRule).save(db.getRepository(AlertRule).create({ name: `trend-${randomUUID()}`, projectId, route: '/x', metric: 'p95', ...fields }));

  const alertOf = async (ruleId: string) => (await db.query(`SELECT severity, state, value, evidence FROM performance_alerts WHERE rule_id = $1`, [ruleId]))[0];

  it('regression (step change), seasonal anomaly and forecast (ramp) fire with their evidence; noise does not', async () => {
    const hourStart = Math.floor(now / MINUTE) * MINUTE - HOUR;
    for (const service of ['regressed', 'steady']) {
      const current = service === 'regressed' ? 320 : 200;
      await traffic(service, hourStart, hourStart + HOUR, 10, () => current);
      await traffic(service, hourStart - DAY, hourStart - DAY + HOUR, 10, () => 200);
      await traffic(service, hourStart - 7 * DAY, hourStart - 7 * DAY + HOUR, 10, () => 200);
      await traffic(service, hourStart - 6 * HOUR, hourStart, 3, () => 200);
    }
    const regressed = await rule({ kind: 'regression', service: 'regressed', params: { windowMinutes: 60, minEffect: 0.2, alpha: 0.01 } });
    const steady = await rule({ kind: 'regression', service: 'steady', params: { windowMinutes: 60 } });
    const seasonal = await seasonalSetup();
    const forecast = await forecastSetup();

    const result = await evaluator.evaluateTick(new Date(now).toISOString(), 'trends');
    expect(result.evaluatedNow).toBe(true);

    const alert = await alertOf(regressed.id);
    expect(alert).toMatchObject({ state: 'firing', severity: 'warning' });
    expect(alert.value).toBeGreaterThan(290);
    expect(alert.evidence).toMatchObject({ detector: 'regression', metric: 'p95', fires: true });
    expect(alert.evidence.effect).toBeGreaterThan(0.3);
    expect(alert.evidence.pValue).toBeLessThan(0.01);
    expect(alert.evidence.baselines.map((b: { name: string }) => b.name)).toEqual(['day', 'week', 'trailing']);
    expect(await alertOf(steady.id)).toBeUndefined();

    // Seasonal: this hour far below the same hour of past weeks.
    const seasonalAlert = await alertOf(seasonal.id);
    expect(seasonalAlert).toMatchObject({ state: 'firing', evidence: { detector: 'seasonal', fires: true } });
    expect(seasonalAlert.evidence.score).toBeLessThan(-4);

    // Forecast: a latency ramp that crosses the critical level within the horizon.
    const forecastAlert = await alertOf(forecast.id);
    expect(forecastAlert).toMatchObject({ state: 'firing', severity: 'critical', evidence: { detector: 'forecast', level: 2000 } });
    expect(forecastAlert.evidence.hoursToCross).toBeGreaterThan(0);
    expect(forecastAlert.evidence.hoursToCross).toBeLessThanOrEqual(6);
  });

  async function seasonalSetup() {
    const hourStart = Math.floor(now / HOUR) * HOUR;
    // A quiet hour now (traffic so far this hour), against a busy same hour of the last four weeks.
    await traffic('seasonal', hourStart, Math.max(hourStart + MINUTE, Math.floor(now / MINUTE) * MINUTE), 5, () => 100);
    for (let w = 1; w <= 4; w++) await traffic('seasonal', hourStart - w * 7 * DAY, hourStart - w * 7 * DAY + HOUR, 2, () => 1000 + w * 10);
    return rule({ kind: 'seasonal', service: 'seasonal', metric: 'p50', params: { weeks: 4, k: 4 } });
  }

  async function forecastSetup() {
    // p95 rising ~130 ms an hour over the last 12 hours: about 1,700 ms now, 2,000 in a few hours.
    const start = Math.floor(now / HOUR) * HOUR - 12 * HOUR;
    await traffic('ramp', start, Math.floor(now / MINUTE) * MINUTE, 1, (t) => 100 + ((t - start) / HOUR) * 120);
    return rule({ kind: 'forecast', service: 'ramp', warning: 1500, critical: 2000, params: { lookbackHours: 12, horizonHours: 6, severity: 'critical' } });
  }
});
