/**
 * Threshold evaluation as a pure function: one rule, one identity, one
 * evaluation tick. Warning and critical levels, `for` (consecutive breaching
 * evaluations before firing), recovery levels (hysteresis), keep-firing-for,
 * minimum samples and no-data behaviour.
 */
export type Direction = 'above' | 'below';
export type Severity = 'warning' | 'critical';
export type NoData = 'ok' | 'alert' | 'keep';

export interface ThresholdPolicy {
  direction: Direction;
  warning?: number | null;
  critical?: number | null;
  /** Resolve only once the value is back past this (defaults to the warning, or critical, level). */
  recovery?: number | null;
  forEvaluations: number;
  keepFiringForMs: number;
  minSamples: number;
  noData: NoData;
}

export interface Sample {
  value: number | null;
  samples: number;
}

export type Phase = 'inactive' | 'pending' | 'firing';

export interface IdentityState {
  phase: Phase;
  severity: Severity | null;
  /** Consecutive breaching evaluations so far (for `for`). */
  breaches: number;
  lastBreachAt: number | null;
}

export type Transition = 'pending' | 'fired' | 'escalated' | 'deescalated' | 'resolved' | 'cancelled';

export interface Evaluation {
  state: IdentityState;
  transition: Transition | null;
  /** The level the value was compared against for this outcome. */
  threshold: number | null;
  noData: boolean;
}

export const INACTIVE: IdentityState = { phase: 'inactive', severity: null, breaches: 0, lastBreachAt: null };

const worse = (direction: Direction, value: number, level: number) => (direction === 'above' ? value > level : value < level);
const safe = (direction: Direction, value: number, level: number) => (direction === 'above' ? value < level : value > level);

/** Which level the value breaches, critical first. */
export function breachedSeverity(policy: ThresholdPolicy, value: number): Severity | null {
  if (policy.critical != null && worse(policy.direction, value, policy.critical)) return 'critical';
  if (policy.warning != null && worse(policy.direction, value, policy.warning)) return 'warning';
  return null;
}

export function levelOf(policy: ThresholdPolicy, severity: Severity): number | null {
  return (severity === 'critical' ? policy.critical : policy.warning) ?? null;
}

/** The level the value must pass to resolve: the recovery level, else the lowest configured level. */
export function recoveryLevel(policy: ThresholdPolicy): number {
  const level = policy.recovery ?? policy.warning ?? policy.critical;
  if (level == null) throw new Error('a threshold rule needs a warning or a critical level');
  return level;
}

export function evaluateThreshold(policy: ThresholdPolicy, sample: Sample, previous: IdentityState, now: number): Evaluation {
  const hasData = sample.value !== null && sample.samples >= policy.minSamples;
  if (!hasData) return evaluateNoData(policy, previous, now);
  const value = sample.value as number;
  const severity = breachedSeverity(policy, value);

  if (previous.phase === 'firing') {
    if (severity) {
      const next = { ...previous, severity, lastBreachAt: now, breaches: previous.breaches + 1 };
      return result(next, changeOf(previous.severity, next.severity), levelOf(policy, next.severity!), false);
    }
    if (!safe(policy.direction, value, recoveryLevel(policy))) {
      // Between the recovery level and the warning level: still firing (hysteresis); a critical may step down.
      const next = { ...previous, severity: downgrade(previous.severity, policy, value) };
      return result(next, changeOf(previous.severity, next.severity), levelOf(policy, next.severity!), false);
    }
    if (previous.lastBreachAt !== null && now - previous.lastBreachAt < policy.keepFiringForMs) {
      return result(previous, null, recoveryLevel(policy), false);
    }
    return result(INACTIVE, 'resolved', recoveryLevel(policy), false);
  }

  if (!severity) return result(INACTIVE, previous.phase === 'pending' ? 'cancelled' : null, null, false);
  const breaches = previous.breaches + 1;
  const level = levelOf(policy, severity);
  if (breaches >= Math.max(1, policy.forEvaluations)) {
    return result({ phase: 'firing', severity, breaches, lastBreachAt: now }, 'fired', level, false);
  }
  return result({ phase: 'pending', severity, breaches, lastBreachAt: now }, previous.phase === 'pending' ? null : 'pending', level, false);
}

function evaluateNoData(policy: ThresholdPolicy, previous: IdentityState, now: number): Evaluation {
  switch (policy.noData) {
    case 'keep':
      return result(previous, null, null, true);
    case 'ok':
      return result(INACTIVE, previous.phase === 'firing' ? 'resolved' : previous.phase === 'pending' ? 'cancelled' : null, null, true);
    case 'alert': {
      const severity: Severity = policy.critical != null ? 'critical' : 'warning';
      if (previous.phase === 'firing') {
        return result({ ...previous, severity, lastBreachAt: now }, changeOf(previous.severity, severity), null, true);
      }
      return result({ phase: 'firing', severity, breaches: previous.breaches + 1, lastBreachAt: now }, 'fired', null, true);
    }
  }
}

/** A critical alert steps down to warning once the value is past the critical level's safe side. */
function downgrade(current: Severity | null, policy: ThresholdPolicy, value: number): Severity | null {
  if (current === 'critical' && policy.critical != null && policy.warning != null && !worse(policy.direction, value, policy.critical)) {
    return 'warning';
  }
  return current;
}

function changeOf(before: Severity | null, after: Severity | null): Transition | null {
  if (before === after) return null;
  return after === 'critical' ? 'escalated' : 'deescalated';
}

function result(state: IdentityState, transition: Transition | null, threshold: number | null, noData: boolean): Evaluation {
  return { state, transition, threshold, noData };
}
