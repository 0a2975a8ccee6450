import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { MetricsQueryService } from '@vigil/monitoring';
import { DataSource, EntityManager } from 'typeorm';
import { activeSilences, alertFingerprint, applyEvaluation, Notice } from '../lifecycle/alert-lifecycle';
import { AlertRule, RuleKind } from '../rules/alert-rule.entity';
import { RuleSampler, WatchedIdentity } from './rule-samples';
import { evaluateThreshold, IdentityState, ThresholdPolicy, Transition } from './threshold';

/**
 * Threshold, error-count and health rules every minute; trend rules on the
 * hourly trend tick; `instant` re-evaluates the `forEvaluations: 0` rules
 * within INSTANT_EVALUATION_MS of data arriving (they are in the minute tick
 * too, which resolves them when data stops).
 */
export const EVALUATION_GROUPS = {
  thresholds: ['threshold', 'error_count', 'health'],
  trends: ['regression', 'seasonal', 'forecast'],
  instant: ['threshold', 'error_count'],
} as const satisfies Record<string, readonly RuleKind[]>;
export type EvaluationGroup = keyof typeof EVALUATION_GROUPS;

export interface TickResult {
  tick: string;
  group: EvaluationGroup;
  /** False when this tick (or a newer one) was evaluated already: nothing was changed. */
  evaluatedNow: boolean;
  evaluated: number;
  /** Identities left alone because their tick was evaluated already. */
  skipped: number;
  changes: Array<{ rule: string; identity: string; transition: Transition; severity: string | null; value: number | null }>;
  /** Outbox rows written (not silenced or inhibited): the notify queue routes them. */
  notified: string[];
}

const EVALUATION_LOCK = 7_441_120_033;

export function policyOf(rule: AlertRule): ThresholdPolicy {
  return {
    direction: rule.direction,
    warning: rule.warning,
    critical: rule.critical,
    recovery: rule.recovery,
    forEvaluations: rule.forEvaluations,
    keepFiringForMs: rule.keepFiringForSeconds * 1000,
    minSamples: rule.minSamples,
    noData: rule.noData,
  };
}

/**
 * Evaluates every enabled rule of a group for one tick. Samples come from the
 * rollups (never raw rows). Under a global advisory lock the tick is claimed
 * first: a replayed or concurrent tick finds it claimed and changes nothing,
 * and so does a stale one (a retry arriving after newer ticks). States, alert
 * changes, history and notifications are written in that one transaction.
 */
@Injectable()
export class RuleEvaluator {
  private readonly logger = new Logger('Alerts');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: MetricsQueryService,
  ) {}

  async evaluateTick(tick: string, group: EvaluationGroup = 'thresholds'): Promise<TickResult> {
    const at = new Date(tick);
    const result: TickResult = { tick: at.toISOString(), group, evaluatedNow: false, evaluated: 0, skipped: 0, changes: [], notified: [] };
    const rules = await loadRules(this.db, EVALUATION_GROUPS[group], group === 'instant');
    const sampler = new RuleSampler(this.metrics, at.getTime());
    const watched: Array<{ rule: AlertRule; watch: WatchedIdentity }> = [];
    for (const rule of rules) for (const watch of await sampler.identities(rule)) watched.push({ rule, watch });

    const notices: Notice[] = [];
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [EVALUATION_LOCK]);
      const advanced = await claimTick(tx, group, at);
      if (!advanced) {
        result.skipped = watched.length;
        return;
      }
      result.evaluatedNow = true;

      const previous = await loadStates(tx, rules);
      const silences = await activeSilences(tx, at);
      // Identities active before but not seen now (an endpoint gone quiet, an error group gone) are evaluated too.
      const seen = new Set(watched.map(({ rule, watch }) => `${rule.id}\n${watch.identity}`));
      const byId = new Map(rules.map((r) => [r.id, r]));
      for (const [key, state] of previous) {
        const rule = byId.get(state.rule_id);
        if (rule && !seen.has(key)) watched.push({ rule, watch: sampler.absent(rule, state.identity, state.labels ?? {}) });
      }

      const changed: Array<[string, string, IdentityState]> = [];
      const stillFiring: Array<{ fingerprint: string; value: number | null }> = [];
      for (const { rule, watch } of watched) {
        const prior = previous.get(`${rule.id}\n${watch.identity}`);
        const before = stateOf(prior);
        let evaluation;
        try {
          evaluation = evaluateThreshold(watch.policy ?? policyOf(rule), watch.sample, before, at.getTime());
        } catch (error) {
          // One broken rule must not stop the others.
          this.logger.error({ rule: rule.name, identity: watch.identity, err: (error as Error).message }, 'rule evaluation failed');
          continue;
        }
        result.evaluated++;
        if (!sameState(before, evaluation.state)) changed.push([rule.id, watch.identity, evaluation.state]);
        const value = watch.shown !== undefined ? watch.shown : watch.sample.value;
        if (!evaluation.transition) {
          if (evaluation.state.phase === 'firing') stillFiring.push({ fingerprint: alertFingerprint(rule.id, watch.identity), value });
          continue;
        }
        const notice = await applyEvaluation(tx, { ruleId: rule.id, ruleName: rule.name, identity: watch.identity, labels: watch.labels, value, evidence: watch.evidence, evaluation, at }, silences);
        if (notice) notices.push(notice);
        result.changes.push({ rule: rule.name, identity: watch.identity, transition: evaluation.transition, severity: evaluation.state.severity, value });
      }
      await countOccurrences(tx, stillFiring, at);
      await saveStates(tx, changed);
    });
    result.notified = notices.map((n) => n.id);
    return result;
  }
}

/**
 * Enabled rules of some kinds, as plain rows: with 10k rules, TypeORM's entity
 * building alone took ~200 ms of a tick.
 */
function loadRules(db: DataSource, kinds: readonly RuleKind[], instantOnly: boolean): Promise<AlertRule[]> {
  return db.query(
    `SELECT id, name, kind, enabled, project_id AS "projectId", service, route, group_by_endpoint AS "groupByEndpoint", metric,
       window_seconds AS "windowSeconds", direction, warning, critical, recovery, for_evaluations AS "forEvaluations",
       keep_firing_for_seconds AS "keepFiringForSeconds", min_samples AS "minSamples", no_data AS "noData", params, labels
     FROM alert_rules WHERE enabled AND kind = ANY($1) AND ($2 = false OR for_evaluations = 0)`,
    [kinds, instantOnly],
  );
}

/** A tick older than the newest evaluated one by more than this is stale: evaluating it would move states backwards. */
const STALE_AFTER_MS = 10 * 60_000;

async function claimTick(tx: EntityManager, group: EvaluationGroup, at: Date): Promise<boolean> {
  const [{ newest }] = await tx.query(`SELECT max(tick) AS newest FROM alert_ticks WHERE evaluation_group = $1`, [group]);
  if (newest && at.getTime() < (newest as Date).getTime() - STALE_AFTER_MS) return false;
  const claimed = await tx.query(
    `INSERT INTO alert_ticks (evaluation_group, tick) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING tick`,
    [group, at],
  );
  await tx.query(`DELETE FROM alert_ticks WHERE evaluation_group = $1 AND tick < $2`, [group, new Date(at.getTime() - 86_400_000)]);
  return claimed.length > 0;
}

interface StoredState {
  rule_id: string;
  identity: string;
  phase: IdentityState['phase'];
  severity: IdentityState['severity'];
  breaches: number;
  last_breach_at: Date | null;
  labels: Record<string, string> | null;
}

async function loadStates(tx: EntityManager, rules: AlertRule[]): Promise<Map<string, StoredState>> {
  const stored: StoredState[] = await tx.query(
    `SELECT s.rule_id, s.identity, s.phase, s.severity, s.breaches, s.last_breach_at, a.labels
     FROM alert_states s LEFT JOIN performance_alerts a ON a.rule_id = s.rule_id AND a.identity = s.identity AND a.state <> 'resolved'
     WHERE s.rule_id = ANY($1)`,
    [rules.map((r) => r.id)],
  );
  return new Map(stored.map((s) => [`${s.rule_id}\n${s.identity}`, s]));
}

function stateOf(stored: StoredState | undefined): IdentityState {
  if (!stored) return { phase: 'inactive', severity: null, breaches: 0, lastBreachAt: null };
  return { phase: stored.phase, severity: stored.severity, breaches: stored.breaches, lastBreachAt: stored.last_breach_at?.getTime() ?? null };
}

const sameState = (a: IdentityState, b: IdentityState) =>
  a.phase === b.phase && a.severity === b.severity && a.breaches === b.breaches && a.lastBreachAt === b.lastBreachAt;

/** A firing identity seen again: one more occurrence, in one statement for all of them. */
async function countOccurrences(tx: EntityManager, firing: Array<{ fingerprint: string; value: number | null }>, at: Date): Promise<void> {
  if (!firing.length) return;
  await tx.query(
    `UPDATE performance_alerts a SET occurrences = a.occurrences + 1, last_seen_at = $3, value = u.value
     FROM unnest($1::text[], $2::float8[]) AS u(fingerprint, value)
     WHERE a.fingerprint = u.fingerprint AND a.state <> 'resolved'`,
    [firing.map((f) => f.fingerprint), firing.map((f) => f.value), at],
  );
}

/** Only states that changed are written; an inactive identity with nothing pending is forgotten. */
async function saveStates(tx: EntityManager, changed: Array<[string, string, IdentityState]>): Promise<void> {
  const gone = changed.filter(([, , s]) => s.phase === 'inactive' && s.breaches === 0);
  const kept = changed.filter(([, , s]) => !(s.phase === 'inactive' && s.breaches === 0));
  if (gone.length) {
    await tx.query(`DELETE FROM alert_states s USING unnest($1::uuid[], $2::text[]) AS u(r, i) WHERE s.rule_id = u.r AND s.identity = u.i`, [
      gone.map((u) => u[0]),
      gone.map((u) => u[1]),
    ]);
  }
  if (!kept.length) return;
  await tx.query(
    `INSERT INTO alert_states (rule_id, identity, phase, severity, breaches, last_breach_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[])
     ON CONFLICT (rule_id, identity) DO UPDATE SET phase = EXCLUDED.phase, severity = EXCLUDED.severity, breaches = EXCLUDED.breaches,
       last_breach_at = EXCLUDED.last_breach_at`,
    [
      kept.map((u) => u[0]),
      kept.map((u) => u[1]),
      kept.map((u) => u[2].phase),
      kept.map((u) => u[2].severity),
      kept.map((u) => u[2].breaches),
      kept.map((u) => (u[2].lastBreachAt === null ? null : new Date(u[2].lastBreachAt).toISOString())),
    ],
  );
}
