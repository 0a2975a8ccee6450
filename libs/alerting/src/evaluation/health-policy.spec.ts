import type { AlertRule } from '../rules/alert-rule.entity';
import { healthPolicy } from './rule-samples';
import { evaluateThreshold, IdentityState, INACTIVE } from './threshold';

/** Consecutive failed checks, one evaluation each, through the health rule's policy. */
function transitions(params: Record<string, unknown>, failures: number[]) {
  const policy = healthPolicy({ params } as AlertRule);
  let state: IdentityState = INACTIVE;
  return failures.map((value, i) => {
    const evaluation = evaluateThreshold(policy, { value, samples: Number.MAX_SAFE_INTEGER }, state, i * 60_000);
    state = evaluation.state;
    return evaluation.transition && `${evaluation.transition}${state.severity ? `:${state.severity}` : ''}`;
  });
}

describe('health rule policy', () => {
  it('fires critical once a target has failed `failures` checks in a row, and resolves on its first good check', () => {
    expect(transitions({ failures: 2 }, [0, 1, 2, 3, 0])).toEqual([null, null, 'fired:critical', null, 'resolved']);
  });

  it('defaults to three failures in a row', () => {
    expect(transitions({}, [1, 2, 3])).toEqual([null, null, 'fired:critical']);
  });

  it('does not fire on failures that do not reach the count', () => {
    expect(transitions({ failures: 3 }, [1, 2, 0, 1, 2, 0])).toEqual([null, null, null, null, null, null]);
  });
});
