import { MetricsQueryService, TimeseriesMetric } from '@vigil/monitoring';
import type { AlertRule } from '../rules/alert-rule.entity';
import type { ThresholdPolicy } from './threshold';
import { detectForecastBreach, detectRegression, detectSeasonalAnomaly } from './trends';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Rule metrics as the timeseries query names them. */
const SERIES_METRIC: Record<string, TimeseriesMetric> = {
  p50: 'p50', p95: 'p95', p99: 'p99', avg: 'avg', error_rate: 'errorRate', throughput: 'throughput', request_count: 'count',
};

export interface TrendFinding {
  fires: boolean;
  value: number | null;
  evidence: Record<string, unknown>;
}

/** A trend alert fires while its detector does; its severity is the rule's (`params.severity`, default warning). */
export function trendPolicy(rule: AlertRule): ThresholdPolicy {
  const critical = rule.params.severity === 'critical';
  return { direction: 'above', warning: critical ? null : 0.5, critical: critical ? 0.5 : null, recovery: 0.5, forEvaluations: 1, keepFiringForMs: 0, minSamples: 0, noData: 'keep' };
}

/**
 * Reads the series a trend rule needs from the rollups and runs its detector.
 * Parameters (in `params`, all optional): `windowMinutes` (60), `minEffect`
 * (0.2), `alpha` (0.01), `k` (4), `weeks` (4), `horizonHours` (6),
 * `lookbackHours` (24); forecast crosses `critical` (else `warning`).
 */
export async function evaluateTrend(metrics: MetricsQueryService, rule: AlertRule, now: number): Promise<TrendFinding> {
  const metric = SERIES_METRIC[rule.metric ?? 'p95'] ?? 'p95';
  const scope = { projectId: rule.projectId ?? undefined, service: rule.service ?? undefined, route: rule.route ?? undefined };
  const p = rule.params as Record<string, number | undefined>;
  const series = async (from: number, to: number, step: string) =>
    (await metrics.timeseries({ from, to }, scope, metric, step)).points.filter((x) => x.value !== null) as Array<{ t: string; value: number }>;
  const values = async (from: number, to: number, step = '1m') => (await series(from, to, step)).map((x) => x.value);

  switch (rule.kind) {
    case 'regression': {
      const window = (p.windowMinutes ?? 60) * 60_000;
      const [current, day, week, trailing] = await Promise.all([
        values(now - window, now),
        values(now - DAY - window, now - DAY),
        values(now - 7 * DAY - window, now - 7 * DAY),
        values(now - window - 6 * HOUR, now - window),
      ]);
      const evidence = detectRegression(current, [{ name: 'day', values: day }, { name: 'week', values: week }, { name: 'trailing', values: trailing }], {
        minEffect: p.minEffect ?? 0.2,
        alpha: p.alpha ?? 0.01,
        minPoints: 10,
      });
      return { fires: evidence.fires, value: Number.isNaN(evidence.current) ? null : evidence.current, evidence: { detector: 'regression', metric, ...evidence } };
    }
    case 'seasonal': {
      const weeks = p.weeks ?? 4;
      const [current, ...history] = await Promise.all(
        Array.from({ length: weeks + 1 }, (_, w) => values(now - w * 7 * DAY - HOUR, now - w * 7 * DAY, '1h')),
      );
      if (!current.length) return { fires: false, value: null, evidence: { detector: 'seasonal', metric, reason: 'no data this hour' } };
      const evidence = detectSeasonalAnomaly(current[0], history.flat(), { k: p.k ?? 4, minHistory: Math.min(3, weeks), madFloor: p.madFloor ?? 1 });
      return { fires: evidence.fires, value: evidence.current, evidence: { detector: 'seasonal', metric, ...evidence } };
    }
    case 'forecast': {
      const level = rule.critical ?? rule.warning;
      const points = (await series(now - (p.lookbackHours ?? 24) * HOUR, now, '1h')).map((x) => [Date.parse(x.t) + HOUR / 2, x.value] as [number, number]);
      if (level == null) return { fires: false, value: null, evidence: { detector: 'forecast', reason: 'no level' } };
      const evidence = detectForecastBreach(points, now, { level, direction: rule.direction, horizonHours: p.horizonHours ?? 6, minR2: p.minR2 ?? 0.8, minPoints: 6 });
      return { fires: evidence.fires, value: Number.isNaN(evidence.current) ? null : evidence.current, evidence: { detector: 'forecast', metric, level, ...evidence } };
    }
    default:
      throw new Error(`${rule.kind} is not a trend rule`);
  }
}
