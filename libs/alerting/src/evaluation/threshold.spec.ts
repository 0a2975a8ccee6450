import { evaluateThreshold, IdentityState, INACTIVE, Sample, ThresholdPolicy, Transition } from './threshold';

const p95: ThresholdPolicy = { direction: 'above', warning: 2000, critical: 5000, recovery: 1500, forEvaluations: 1, keepFiringForMs: 0, minSamples: 10, noData: 'keep' };

/** Runs a series of values through the evaluator, one tick a minute, and returns what happened. */
function run(policy: ThresholdPolicy, values: Array<number | null>, samples = 100) {
  let state: IdentityState = INACTIVE;
  const out: Array<{ transition: Transition | null; phase: string; severity: string | null }> = [];
  values.forEach((value, i) => {
    const sample: Sample = { value, samples: value === null ? 0 : samples };
    const evaluation = evaluateThreshold(policy, sample, state, i * 60_000);
    state = evaluation.state;
    out.push({ transition: evaluation.transition, phase: state.phase, severity: state.severity });
  });
  return out;
}

const transitions = (policy: ThresholdPolicy, values: Array<number | null>) => run(policy, values).map((r) => r.transition);

describe('evaluateThreshold', () => {
  it('fires at warning, escalates to critical, steps down, and resolves only below the recovery level', () => {
    expect(transitions(p95, [100, 2500, 6000, 3000, 1800, 1400])).toEqual([null, 'fired', 'escalated', 'deescalated', null, 'resolved']);
  });

  it('hysteresis: a value between recovery and warning keeps the alert firing', () => {
    const out = run(p95, [2500, 1900, 1600, 1700]);
    expect(out.map((o) => o.phase)).toEqual(['firing', 'firing', 'firing', 'firing']);
  });

  it('`for` needs consecutive breaches; a good value in between starts over', () => {
    const policy = { ...p95, forEvaluations: 3 };
    expect(transitions(policy, [2500, 2600, 100, 2500, 2600, 2700])).toEqual(['pending', null, 'cancelled', 'pending', null, 'fired']);
  });

  it('keep_firing_for holds a recovered alert until the time has passed since the last breach', () => {
    const policy = { ...p95, keepFiringForMs: 3 * 60_000 };
    expect(transitions(policy, [2500, 100, 100, 100, 100])).toEqual(['fired', null, null, 'resolved', null]);
  });

  it('below-direction rules (throughput) breach when the value falls', () => {
    const throughput: ThresholdPolicy = { direction: 'below', warning: 100, critical: 50, recovery: 120, forEvaluations: 1, keepFiringForMs: 0, minSamples: 0, noData: 'keep' };
    expect(transitions(throughput, [200, 90, 40, 80, 110, 130])).toEqual([null, 'fired', 'escalated', 'deescalated', null, 'resolved']);
  });

  it('too few samples count as no data', () => {
    const policy = { ...p95, minSamples: 50 };
    const sparse = evaluateThreshold(policy, { value: 9000, samples: 5 }, INACTIVE, 0);
    expect(sparse).toMatchObject({ transition: null, noData: true, state: INACTIVE });
  });

  it.each([
    ['keep', [2500, null, null], ['fired', null, null], 'firing'],
    ['ok', [2500, null, 2500], ['fired', 'resolved', 'fired'], 'firing'],
    ['alert', [null, null], ['fired', null], 'firing'],
  ] as const)('no data: %s', (noData, values, expected, finalPhase) => {
    const out = run({ ...p95, noData }, [...values]);
    expect(out.map((o) => o.transition)).toEqual(expected);
    expect(out[out.length - 1].phase).toBe(finalPhase);
  });

  it('a rule with only a critical level fires critical', () => {
    const policy = { ...p95, warning: null, recovery: null };
    expect(run(policy, [6000, 4000]).map((o) => [o.transition, o.severity])).toEqual([['fired', 'critical'], ['resolved', null]]);
  });
});
