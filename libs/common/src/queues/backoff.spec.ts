import { BACKOFF_STRATEGY, cappedExponentialBackoff } from './backoff';

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
    expect(() => BACKOFF_STRATEGY(1, 'linear')).toThrow(/unknown backoff type/);
  });
});
