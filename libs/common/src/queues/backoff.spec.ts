import { backoffStrategy, cappedExponentialBackoff } from './backoff';

describe('cappedExponentialBackoff', () => {
  it('doubles from 500 ms, jittered between half and all of the ceiling', () => {
    expect(cappedExponentialBackoff(1, 60_000, () => 0)).toBe(250);
    expect(cappedExponentialBackoff(1, 60_000, () => 1)).toBe(500);
    expect(cappedExponentialBackoff(4, 60_000, () => 1)).toBe(4000);
  });

  it('never exceeds the cap', () => {
    expect(cappedExponentialBackoff(40, 60_000, () => 1)).toBe(60_000);
    expect(cappedExponentialBackoff(40, 60_000, () => 0)).toBe(30_000);
  });

  it('refuses backoff types it does not know', () => {
    expect(() => backoffStrategy({ baseMs: 1000, capMs: 8000 })(1, 'linear')).toThrow(/unknown backoff type/);
  });

  it('spaces notification retries from their own base to their own ceiling', () => {
    const notify = backoffStrategy({ baseMs: 15_000, capMs: 960_000 });
    for (let attempt = 1; attempt <= 7; attempt++) {
      const delay = notify(attempt, 'notify');
      const step = 15_000 * 2 ** (attempt - 1);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
    expect(notify(30, 'notify')).toBeLessThanOrEqual(960_000);
  });
});
