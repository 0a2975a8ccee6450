import { errorFunction, linearRegression, median, medianAbsoluteDeviation, rSquared, wilcoxonRankSum } from 'simple-statistics';

/**
 * Trend detectors as pure functions over series the trend job reads from the
 * rollups. Each returns whether it fires and the evidence a person needs to
 * judge it: baseline, current value, effect size and p-value or score.
 */

export interface RegressionEvidence {
  fires: boolean;
  current: number;
  baselines: Array<{ name: string; median: number; effect: number; pValue: number }>;
  /** The weakest of the baselines: the alert claims no more than all of them support. */
  effect: number;
  pValue: number;
}

/**
 * A regression: the current window is worse than every baseline (same window a
 * day ago, a week ago, a trailing window) by at least `minEffect` (relative
 * change of medians), and a one-sided Mann-Whitney U test says it is not noise
 * (p < alpha). Baselines with too few points are skipped; none left, no alert.
 */
export function detectRegression(
  current: number[],
  baselines: Array<{ name: string; values: number[] }>,
  options: { minEffect: number; alpha: number; minPoints: number },
): RegressionEvidence {
  const usable = baselines.filter((b) => b.values.length >= options.minPoints);
  const now = current.length ? median(current) : NaN;
  const compared = usable.map((b) => {
    const base = median(b.values);
    return { name: b.name, median: base, effect: base > 0 ? (now - base) / base : Infinity, pValue: mannWhitneyGreater(current, b.values) };
  });
  const effect = compared.length ? Math.min(...compared.map((c) => c.effect)) : 0;
  const pValue = compared.length ? Math.max(...compared.map((c) => c.pValue)) : 1;
  const fires = current.length >= options.minPoints && compared.length > 0 && effect >= options.minEffect && pValue < options.alpha;
  return { fires, current: now, baselines: compared, effect, pValue };
}

/** One-sided p-value that `x` tends to be larger than `y` (normal approximation, tie-corrected). */
export function mannWhitneyGreater(x: number[], y: number[]): number {
  const n1 = x.length;
  const n2 = y.length;
  if (!n1 || !n2) return 1;
  const u = wilcoxonRankSum(x, y) - (n1 * (n1 + 1)) / 2;
  const counts = new Map<number, number>();
  for (const v of [...x, ...y]) counts.set(v, (counts.get(v) ?? 0) + 1);
  let ties = 0;
  for (const t of counts.values()) ties += t ** 3 - t;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (variance <= 0) return 1;
  const z = (u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return 0.5 * (1 - errorFunction(z / Math.SQRT2));
}

export interface SeasonalEvidence {
  fires: boolean;
  current: number;
  baseline: number;
  mad: number;
  /** Robust z-score: distance from the baseline in scaled MADs. */
  score: number;
}

/**
 * A seasonal anomaly: the current value lies outside the same hour-of-week
 * baseline (median of past weeks) ± k·MAD, scaled to be comparable to a
 * standard deviation. A floor on the MAD keeps a flat history from flagging
 * tiny wiggles.
 */
export function detectSeasonalAnomaly(current: number, history: number[], options: { k: number; minHistory: number; madFloor: number }): SeasonalEvidence {
  if (history.length < options.minHistory) return { fires: false, current, baseline: NaN, mad: NaN, score: 0 };
  const baseline = median(history);
  const mad = Math.max(1.4826 * medianAbsoluteDeviation(history), options.madFloor);
  const score = (current - baseline) / mad;
  return { fires: Math.abs(score) > options.k, current, baseline, mad, score };
}

export interface ForecastEvidence {
  fires: boolean;
  /** Units per hour. */
  slopePerHour: number;
  rSquared: number;
  current: number;
  /** Hours until the fitted line crosses the level; null if it never does. */
  hoursToCross: number | null;
}

/**
 * A forecast: a least-squares line through the recent series (time in ms,
 * value) crosses `level` within `horizonHours` ("disk full in 6 h"). A poor
 * fit (r² below `minR2`) never fires: noise is not a trend.
 */
export function detectForecastBreach(
  points: Array<[number, number]>,
  now: number,
  options: { level: number; direction: 'above' | 'below'; horizonHours: number; minR2: number; minPoints: number },
): ForecastEvidence {
  if (points.length < options.minPoints) return { fires: false, slopePerHour: 0, rSquared: 0, current: NaN, hoursToCross: null };
  const fit = linearRegression(points);
  const line = (t: number) => fit.m * t + fit.b;
  const r2 = rSquared(points, line);
  const current = line(now);
  const slopePerHour = fit.m * 3_600_000;
  const towards = options.direction === 'above' ? fit.m > 0 : fit.m < 0;
  const crossAt = fit.m === 0 ? Infinity : (options.level - fit.b) / fit.m;
  const alreadyPast = options.direction === 'above' ? current >= options.level : current <= options.level;
  const hoursToCross = alreadyPast ? 0 : towards ? (crossAt - now) / 3_600_000 : null;
  const fires = r2 >= options.minR2 && hoursToCross !== null && hoursToCross <= options.horizonHours;
  return { fires, slopePerHour, rSquared: r2, current, hoursToCross };
}
