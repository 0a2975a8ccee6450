import { MetricsQueryService, RequestRollupRow, RequestStats, RequestStatsAccumulator, ResourceStats } from '@vigil/monitoring';
import type { AlertRule } from '../rules/alert-rule.entity';
import type { Sample, ThresholdPolicy } from './threshold';
import { evaluateTrend, trendPolicy } from './trend-samples';

/** One thing a rule watches: the whole scope, one endpoint of it, or one error group. */
export interface WatchedIdentity {
  identity: string;
  labels: Record<string, string>;
  sample: Sample;
  /** Set where the identity decides its own levels (an error group's severity, a trend detector). */
  policy?: ThresholdPolicy;
  /** What the alert shows as its value when the sample is only a signal (trend rules). */
  shown?: number | null;
  evidence?: Record<string, unknown>;
}

/** Error-count rules: how many errors of a severity within the window open an alert. */
export const DEFAULT_ERROR_COUNTS: Record<string, number> = { CRITICAL: 1, HIGH: 3, MEDIUM: 10, LOW: 50 };
const COUNT_METRICS = new Set(['throughput', 'request_count', 'slow_query_count']);

/**
 * Computes the samples of many threshold rules from few reads: rollup rows are
 * fetched once per (window, project) and grouped in memory per endpoint and per
 * scope, so 10k rules over 1k endpoints cost a handful of queries.
 */
export class RuleSampler {
  private readonly rows = new Map<string, Promise<RowIndex>>();
  private readonly slowQueries = new Map<string, Promise<Map<string, number>>>();
  /** Per scope (not per rule: rules differ in labels), the merged rows of each endpoint, or of the whole scope. */
  private readonly accumulators = new Map<string, Map<string, ScopeGroup>>();
  private targets?: Promise<Array<{ id: string; name: string; failures: number }>>;
  private readonly resourceStats = new Map<number, Promise<Map<string, ResourceStats>>>();

  constructor(
    private readonly metrics: MetricsQueryService,
    private readonly now: number,
  ) {}

  /** What the rule watches this tick. Health rules wait for the service checks that feed them. */
  identities(rule: AlertRule): Promise<WatchedIdentity[]> {
    if (rule.kind === 'error_count') return this.errorGroups(rule);
    if (rule.kind === 'threshold') return this.thresholdIdentities(rule);
    if (rule.kind === 'health') return this.health(rule);
    return this.trend(rule);
  }

  private async trend(rule: AlertRule): Promise<WatchedIdentity[]> {
    const finding = await evaluateTrend(this.metrics, rule, this.now);
    const labels = scopeLabels(rule);
    return [
      {
        identity: identityOf(labels),
        labels,
        sample: { value: finding.fires ? 1 : 0, samples: Number.MAX_SAFE_INTEGER },
        policy: trendPolicy(rule),
        shown: finding.value,
        evidence: finding.evidence,
      },
    ];
  }

  /** One identity per checked target: its consecutive failed checks, firing at the rule's `failures`. */
  private async health(rule: AlertRule): Promise<WatchedIdentity[]> {
    this.targets ??= this.metrics.targetFailures();
    const policy = healthPolicy(rule);
    return (await this.targets)
      .filter((t) => !rule.service || t.name === rule.service)
      .map((t) => {
        const labels = { ...scopeLabels(rule), service: t.name, target: t.id };
        return { identity: identityOf(labels), labels, sample: { value: t.failures, samples: Number.MAX_SAFE_INTEGER }, policy };
      });
  }

  private async resources(rule: AlertRule, window: { from: number; to: number }): Promise<WatchedIdentity[]> {
    let stats = this.resourceStats.get(rule.windowSeconds);
    if (!stats) this.resourceStats.set(rule.windowSeconds, (stats = this.metrics.resourceStats(window)));
    const byService = await stats;
    const metric = rule.metric as ResourceMetric;
    const services = rule.service ? [rule.service] : [...byService.keys()];
    // Each vigil process (API, worker) is its own identity; a rule over a service without samples has no data.
    const watched = services.map((service) => {
      const labels = { ...scopeLabels(rule), service };
      const s = byService.get(service);
      return { identity: identityOf(labels), labels, sample: { value: s?.[metric] ?? null, samples: s?.samples ?? 0 } };
    });
    if (watched.length) return watched;
    return [{ identity: identityOf(scopeLabels(rule)), labels: scopeLabels(rule), sample: { value: null, samples: 0 } }];
  }

  /** An identity seen before but absent now (an endpoint gone quiet, an error group gone), as it stands this tick. */
  absent(rule: AlertRule, identity: string, labels: Record<string, string>): WatchedIdentity {
    if (rule.kind === 'error_count') {
      return { identity, labels, sample: { value: 0, samples: Number.MAX_SAFE_INTEGER }, policy: errorCountPolicyFor(rule, labels.errorSeverity) };
    }
    if (rule.kind === 'health') return { identity, labels, sample: { value: 0, samples: Number.MAX_SAFE_INTEGER }, policy: healthPolicy(rule) };
    if (rule.kind !== 'threshold') return { identity, labels, sample: { value: 0, samples: Number.MAX_SAFE_INTEGER }, policy: trendPolicy(rule) };
    return { identity, labels, sample: { value: COUNT_METRICS.has(rule.metric ?? '') ? 0 : null, samples: 0 } };
  }


  private async errorGroups(rule: AlertRule): Promise<WatchedIdentity[]> {
    const window = { from: this.now - rule.windowSeconds * 1000, to: this.now };
    const groups = await this.metrics.errorGroups(window, { projectId: rule.projectId ?? undefined, service: rule.service ?? undefined }, 10_000);
    return groups.items.map((group) => {
      const labels = { ...scopeLabels(rule), service: group.service, type: group.type, fingerprint: group.fingerprint, errorSeverity: group.severity };
      return {
        identity: identityOf(labels),
        labels,
        sample: { value: group.count, samples: group.count },
        policy: errorCountPolicyFor(rule, group.severity),
      };
    });
  }

  private async thresholdIdentities(rule: AlertRule): Promise<WatchedIdentity[]> {
    const window = { from: this.now - rule.windowSeconds * 1000, to: this.now };
    const windowKey = `${rule.windowSeconds}|${rule.projectId ?? '*'}`;
    const metric = rule.metric!;
    if (metric === 'slow_query_count') {
      let counts = this.slowQueries.get(windowKey);
      if (!counts) this.slowQueries.set(windowKey, (counts = this.metrics.slowQueryCounts(window, { projectId: rule.projectId ?? undefined })));
      const byService = await counts;
      const value = rule.service ? (byService.get(rule.service) ?? 0) : [...byService.values()].reduce((a, b) => a + b, 0);
      return [{ identity: identityOf(scopeLabels(rule)), labels: scopeLabels(rule), sample: { value, samples: Number.MAX_SAFE_INTEGER } }];
    }
    if (RESOURCE_METRICS.has(metric)) return this.resources(rule, window);
    const groups = await this.groups(windowKey, window, rule);
    const seconds = rule.windowSeconds;
    const base = scopeLabels(rule);
    const watched = [...groups.values()].map((group) => {
      const labels = { ...base, ...group.endpoint };
      // Rules sharing a scope and window share its numbers: quantiles are computed once.
      const stats = (group.stats ??= group.acc.stats(seconds));
      const value = {
        p50: stats.p50Ms,
        p95: stats.p95Ms,
        p99: stats.p99Ms,
        avg: stats.avgMs,
        error_rate: stats.errorRate,
        throughput: stats.throughputPerSec,
        request_count: stats.requests,
      }[metric as RequestMetric];
      return { identity: identityOf(labels), labels, sample: { value, samples: stats.requests } };
    });
    // A rule over a scope with no traffic still has its one identity, with no data.
    if (!rule.groupByEndpoint && !watched.length) {
      const labels = scopeLabels(rule);
      const empty = metric === 'throughput' || metric === 'request_count' ? 0 : null;
      return [{ identity: identityOf(labels), labels, sample: { value: empty, samples: 0 } }];
    }
    return watched;
  }

  private async groups(windowKey: string, window: { from: number; to: number }, rule: AlertRule) {
    const key = `${windowKey}|${rule.service ?? '*'}|${rule.route ?? '*'}|${rule.groupByEndpoint}`;
    let groups = this.accumulators.get(key);
    if (groups) return groups;
    let index = this.rows.get(windowKey);
    if (!index) this.rows.set(windowKey, (index = this.metrics.requestRollupRows(window, { projectId: rule.projectId ?? undefined }).then(indexRows)));
    const { all, byService, byEndpoint } = await index;
    const rows = rule.service ? ((rule.route ? byEndpoint.get(`${rule.service}\u0000${rule.route}`) : byService.get(rule.service)) ?? []) : all;
    groups = new Map();
    for (const row of rows) {
      if (rule.route && row.route !== rule.route) continue;
      const id = rule.groupByEndpoint ? `${row.service}\u0000${row.method}\u0000${row.route}` : '*';
      let group = groups.get(id);
      if (!group) {
        const endpoint: Record<string, string> = rule.groupByEndpoint ? { service: row.service, method: row.method, route: row.route } : {};
        groups.set(id, (group = { endpoint, acc: new RequestStatsAccumulator() }));
      }
      group.acc.add(row);
    }
    this.accumulators.set(key, groups);
    return groups;
  }

}

interface ScopeGroup {
  endpoint: Record<string, string>;
  acc: RequestStatsAccumulator;
  stats?: RequestStats;
}

interface RowIndex {
  all: RequestRollupRow[];
  byService: Map<string, RequestRollupRow[]>;
  byEndpoint: Map<string, RequestRollupRow[]>;
}

/** One pass over a window's rows, so each rule's scope is a lookup rather than a scan. */
function indexRows(all: RequestRollupRow[]): RowIndex {
  const byService = new Map<string, RequestRollupRow[]>();
  const byEndpoint = new Map<string, RequestRollupRow[]>();
  const push = (map: Map<string, RequestRollupRow[]>, key: string, row: RequestRollupRow) => {
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  };
  for (const row of all) {
    push(byService, row.service, row);
    push(byEndpoint, `${row.service}\u0000${row.route}`, row);
  }
  return { all, byService, byEndpoint };
}

/** An error group's levels: its severity's count (CRITICAL and HIGH groups raise critical alerts). */
function errorCountPolicyFor(rule: AlertRule, severity: string | undefined): ThresholdPolicy {
  const counts = { ...DEFAULT_ERROR_COUNTS, ...(rule.params.thresholds as Record<string, number> | undefined) };
  const level = (counts[severity ?? 'LOW'] ?? DEFAULT_ERROR_COUNTS.LOW) - 0.5; // "reaches N" for whole counts, with a strict comparison
  const severe = severity === 'CRITICAL' || severity === 'HIGH';
  return { direction: 'above', forEvaluations: 1, keepFiringForMs: 0, minSamples: 0, noData: 'ok', warning: severe ? null : level, critical: severe ? level : null, recovery: level };
}

/** A health rule fires (critical) once a target has failed `params.failures` checks in a row (default 3), and resolves on its first good check. */
export function healthPolicy(rule: AlertRule): ThresholdPolicy {
  const failures = Number(rule.params.failures ?? DEFAULT_HEALTH_FAILURES);
  return { direction: 'above', forEvaluations: 1, keepFiringForMs: 0, minSamples: 0, noData: 'ok', warning: null, critical: failures - 0.5, recovery: 0.5 };
}

export const DEFAULT_HEALTH_FAILURES = 3;

type ResourceMetric = 'cpu' | 'memory' | 'disk' | 'event_loop_lag';
const RESOURCE_METRICS = new Set<string>(['cpu', 'memory', 'disk', 'event_loop_lag']);

type RequestMetric = 'p50' | 'p95' | 'p99' | 'avg' | 'error_rate' | 'throughput' | 'request_count';

function scopeLabels(rule: AlertRule): Record<string, string> {
  const labels: Record<string, string> = { ...rule.labels };
  if (rule.projectId) labels.project = rule.projectId;
  if (rule.service) labels.service = rule.service;
  if (rule.route) labels.route = rule.route;
  return labels;
}

/** A stable text for a label set: sorted `key=value` pairs. */
export function identityOf(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',') || '*';
}
