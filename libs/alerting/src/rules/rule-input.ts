import { bodyValidator, FieldIssue, ValidationError } from '@vigil/common';
import { RULE_KINDS, THRESHOLD_METRICS } from './alert-rule.entity';

/** A rule as the API and rule files give it (camelCase). */
export interface RuleInput {
  name: string;
  kind: (typeof RULE_KINDS)[number];
  enabled?: boolean;
  projectId?: string | null;
  service?: string | null;
  route?: string | null;
  groupByEndpoint?: boolean;
  metric?: (typeof THRESHOLD_METRICS)[number] | null;
  windowSeconds?: number;
  direction?: 'above' | 'below';
  warning?: number | null;
  critical?: number | null;
  recovery?: number | null;
  forEvaluations?: number;
  keepFiringForSeconds?: number;
  minSamples?: number;
  noData?: 'ok' | 'alert' | 'keep';
  params?: Record<string, unknown>;
  labels?: Record<string, string>;
}

const nullableNumber = { type: ['number', 'null'] };
const nullableText = (max: number) => ({ type: ['string', 'null'], minLength: 1, maxLength: max });

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    kind: { type: 'string', enum: [...RULE_KINDS] },
    enabled: { type: 'boolean' },
    projectId: { type: ['string', 'null'], format: 'uuid' },
    service: nullableText(100),
    route: nullableText(1024),
    groupByEndpoint: { type: 'boolean' },
    metric: { type: ['string', 'null'], enum: [...THRESHOLD_METRICS, null] },
    windowSeconds: { type: 'integer', minimum: 60, maximum: 30 * 86400 },
    direction: { type: 'string', enum: ['above', 'below'] },
    warning: nullableNumber,
    critical: nullableNumber,
    recovery: nullableNumber,
    // 0: fire on the first breach, evaluated as data arrives rather than on the minute tick.
    forEvaluations: { type: 'integer', minimum: 0, maximum: 1440 },
    keepFiringForSeconds: { type: 'integer', minimum: 0, maximum: 7 * 86400 },
    minSamples: { type: 'integer', minimum: 0 },
    noData: { type: 'string', enum: ['ok', 'alert', 'keep'] },
    params: { type: 'object' },
    labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 200 }, maxProperties: 20 },
  },
};

const shape = bodyValidator<RuleInput>(schema);
const partialShape = bodyValidator<Partial<RuleInput>>({ ...schema, required: [] });

/**
 * A rule must make sense, not only type-check: a threshold rule has a metric
 * and a level; critical is worse than warning in the rule's direction; the
 * recovery level is on the safe side of the lowest level it recovers from.
 */
export function validateRule(body: unknown): RuleInput {
  return checkSemantics(shape(body));
}

export function validateRulePatch(body: unknown, current: RuleInput): RuleInput {
  return checkSemantics({ ...current, ...partialShape(body) });
}

function checkSemantics(rule: RuleInput): RuleInput {
  const issues: FieldIssue[] = [];
  const direction = rule.direction ?? 'above';
  const worse = (a: number, b: number) => (direction === 'above' ? a > b : a < b);
  if (rule.kind === 'threshold') {
    if (!rule.metric) issues.push({ path: 'metric', message: 'is required for a threshold rule' });
    if (rule.warning == null && rule.critical == null) issues.push({ path: 'warning', message: 'a threshold rule needs warning or critical' });
  }
  if (rule.warning != null && rule.critical != null && !worse(rule.critical, rule.warning)) {
    issues.push({ path: 'critical', message: `must be ${direction === 'above' ? 'greater' : 'less'} than warning for direction ${direction}` });
  }
  const lowest = rule.warning ?? rule.critical;
  if (rule.recovery != null && lowest != null && worse(rule.recovery, lowest)) {
    issues.push({ path: 'recovery', message: `must be on the safe side of ${rule.warning != null ? 'warning' : 'critical'} (${direction === 'above' ? 'at most' : 'at least'} ${lowest})` });
  }
  const failures = rule.params?.failures;
  if (rule.kind === 'health' && failures !== undefined && !(Number.isInteger(failures) && (failures as number) >= 1 && (failures as number) <= 1000)) {
    issues.push({ path: 'params.failures', message: 'must be an integer from 1 to 1000 (failed checks in a row)' });
  }
  if (rule.route && rule.groupByEndpoint) issues.push({ path: 'groupByEndpoint', message: 'cannot be combined with a single route' });
  if (issues.length) throw new ValidationError(issues);
  return rule;
}
