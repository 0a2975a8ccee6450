import { ValidationError } from '@vigil/common';
import { validateRule, validateRulePatch } from './rule-input';

const base = { name: 'p95', kind: 'threshold', metric: 'p95', warning: 2000, critical: 5000, recovery: 1500 };

function issue(body: unknown) {
  try {
    validateRule(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details![0];
  }
  throw new Error('expected a ValidationError');
}

describe('validateRule', () => {
  it('accepts a sensible rule', () => {
    expect(validateRule(base)).toMatchObject({ name: 'p95', warning: 2000 });
    expect(validateRule({ ...base, direction: 'below', metric: 'throughput', warning: 100, critical: 50, recovery: 120 })).toBeTruthy();
  });

  it.each([
    [{ ...base, critical: 1000 }, 'critical', 'must be greater than warning for direction above'],
    [{ ...base, direction: 'below', warning: 100, critical: 150, recovery: null }, 'critical', 'must be less than warning for direction below'],
    [{ ...base, recovery: 2500 }, 'recovery', 'must be on the safe side of warning (at most 2000)'],
    [{ ...base, metric: null }, 'metric', 'is required for a threshold rule'],
    [{ ...base, warning: null, critical: null, recovery: null }, 'warning', 'a threshold rule needs warning or critical'],
    [{ ...base, metric: 'p42' }, 'metric', 'must be one of p50, p95, p99, avg, error_rate, throughput, request_count, slow_query_count, cpu, memory, disk, event_loop_lag, or null'],
    [{ ...base, windowSeconds: 10 }, 'windowSeconds', 'must be >= 60'],
    [{ ...base, colour: 'red' }, 'colour', 'is not an allowed field'],
  ])('rejects %j naming %s', (body, path, message) => {
    expect(issue(body)).toEqual({ path, message });
  });

  it('validates a patch against the rule it changes', () => {
    expect(() => validateRulePatch({ critical: 100 }, validateRule(base))).toThrow(ValidationError);
    expect(validateRulePatch({ critical: 9000 }, validateRule(base)).critical).toBe(9000);
  });
});
