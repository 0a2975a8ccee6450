import { detectForecastBreach, detectRegression, detectSeasonalAnomaly, mannWhitneyGreater } from './trends';

function seeded(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}
const noisy = (n: number, level: number, spread: number, random: () => number) => Array.from({ length: n }, () => level + (random() - 0.5) * spread);

describe('detectRegression', () => {
  const options = { minEffect: 0.2, alpha: 0.01, minPoints: 10 };

  it('fires on a step change, with its evidence', () => {
    const random = seeded(1);
    const before = noisy(60, 200, 40, random);
    const evidence = detectRegression(noisy(60, 320, 40, random), [
      { name: 'day', values: before },
      { name: 'week', values: noisy(60, 205, 40, random) },
      { name: 'trailing', values: noisy(120, 198, 40, random) },
    ], options);
    expect(evidence.fires).toBe(true);
    expect(evidence.effect).toBeGreaterThan(0.4);
    expect(evidence.pValue).toBeLessThan(1e-6);
    expect(evidence.baselines.map((b) => b.name)).toEqual(['day', 'week', 'trailing']);
  });

  it('does not fire on noise of the same level', () => {
    const random = seeded(2);
    const evidence = detectRegression(noisy(60, 200, 80, random), [{ name: 'day', values: noisy(60, 200, 80, random) }], options);
    expect(evidence.fires).toBe(false);
  });

  it('does not fire on a significant but small change (below the minimum effect)', () => {
    const random = seeded(3);
    const evidence = detectRegression(noisy(200, 210, 4, random), [{ name: 'day', values: noisy(200, 200, 4, random) }], options);
    expect(evidence.pValue).toBeLessThan(0.01);
    expect(evidence.fires).toBe(false);
  });

  it('needs every baseline to agree', () => {
    const random = seeded(4);
    const evidence = detectRegression(noisy(60, 320, 20, random), [
      { name: 'day', values: noisy(60, 200, 20, random) },
      { name: 'week', values: noisy(60, 330, 20, random) },
    ], options);
    expect(evidence.fires).toBe(false);
  });

  it('Mann-Whitney: clearly larger samples give a tiny p, equal ones about 0.5', () => {
    expect(mannWhitneyGreater([10, 11, 12, 13, 14, 15, 16, 17], [1, 2, 3, 4, 5, 6, 7, 8])).toBeLessThan(0.001);
    expect(mannWhitneyGreater([1, 2, 3, 4], [1, 2, 3, 4])).toBeGreaterThan(0.4);
  });
});

describe('detectSeasonalAnomaly', () => {
  // Mondays 09:00 over past weeks: busy, but alike.
  const history = [1000, 1040, 980, 1010, 1025, 995];
  const options = { k: 4, minHistory: 4, madFloor: 5 };

  it('flags a value far outside the same hour-of-week baseline', () => {
    const evidence = detectSeasonalAnomaly(300, history, options);
    expect(evidence.fires).toBe(true);
    expect(evidence.baseline).toBeCloseTo(1005);
    expect(evidence.score).toBeLessThan(-4);
  });

  it('accepts a value within the usual spread', () => {
    expect(detectSeasonalAnomaly(1050, history, options).fires).toBe(false);
  });

  it('stays quiet without enough history', () => {
    expect(detectSeasonalAnomaly(0, [1000, 1000], options).fires).toBe(false);
  });
});

describe('detectForecastBreach', () => {
  const hour = 3_600_000;
  const options = { level: 95, direction: 'above' as const, horizonHours: 6, minR2: 0.8, minPoints: 6 };

  it('predicts a linear ramp crossing the level ("disk full in 5 h")', () => {
    const points: Array<[number, number]> = Array.from({ length: 12 }, (_, i) => [i * hour, 40 + i * 5]);
    const evidence = detectForecastBreach(points, 11 * hour, options);
    expect(evidence.fires).toBe(true);
    expect(evidence.slopePerHour).toBeCloseTo(5);
    expect(evidence.hoursToCross).toBeCloseTo(0);
    const earlier = detectForecastBreach(points.slice(0, 8), 7 * hour, options);
    expect(earlier.hoursToCross).toBeCloseTo(4);
    expect(earlier.fires).toBe(true);
  });

  it('does not fire when the crossing is beyond the horizon, the trend points away, or the fit is noise', () => {
    const slow: Array<[number, number]> = Array.from({ length: 12 }, (_, i) => [i * hour, 40 + i]);
    expect(detectForecastBreach(slow, 11 * hour, options)).toMatchObject({ fires: false });
    const falling: Array<[number, number]> = Array.from({ length: 12 }, (_, i) => [i * hour, 90 - i]);
    expect(detectForecastBreach(falling, 11 * hour, options)).toMatchObject({ fires: false, hoursToCross: null });
    const random = seeded(5);
    const noise: Array<[number, number]> = Array.from({ length: 12 }, (_, i) => [i * hour, 50 + (random() - 0.5) * 60]);
    expect(detectForecastBreach(noise, 11 * hour, options).fires).toBe(false);
  });
});
