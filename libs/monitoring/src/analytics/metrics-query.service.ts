import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ValidationError } from '@vigil/common';
import { DataSource } from 'typeorm';
import { emptyQueryAcc, QueryAcc, slowQueryRollups } from '../rollups/rollup-families';
import { RequestRollupRow, RequestStats, RequestStatsAccumulator, round } from './request-stats';
import { coverWindow, parseDuration, Segment, segmentsSql, TimeWindow } from './time-window';

export interface Scope {
  projectId?: string;
  service?: string;
  route?: string;
}

export const ENDPOINT_SORTS = ['p95', 'p99', 'errorRate', 'count', 'avg', 'throughput'] as const;
export type EndpointSort = (typeof ENDPOINT_SORTS)[number];
export const TIMESERIES_METRICS = ['p50', 'p95', 'p99', 'avg', 'max', 'throughput', 'count', 'errorRate'] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];

export interface ResourceStats {
  samples: number;
  cpu: number | null;
  memory: number | null;
  disk: number | null;
  event_loop_lag: number | null;
}

export interface EndpointStats extends RequestStats {
  service: string;
  method: string;
  route: string;
}

const SORT_KEY: Record<EndpointSort, keyof RequestStats> = {
  p95: 'p95Ms',
  p99: 'p99Ms',
  errorRate: 'errorRate',
  count: 'requests',
  avg: 'avgMs',
  throughput: 'throughputPerSec',
};

/**
 * Answers "how slow, how often failing, how busy" for any window and grouping
 * from the rollups: rows covering the window are read once and their sketches
 * merged per group. Raw rows are read only where the answer is a list of
 * individual events (slowest requests, an error group's latest events).
 */
@Injectable()
export class MetricsQueryService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async summary(window: TimeWindow, scope: Scope) {
    const rows = await this.requestRows(coverWindow(window), scope);
    const seconds = windowSeconds(window);
    const overall = new RequestStatsAccumulator();
    const byService = new Map<string, RequestStatsAccumulator>();
    for (const row of rows) {
      let acc = byService.get(row.service);
      if (!acc) byService.set(row.service, (acc = new RequestStatsAccumulator()));
      acc.add(row);
    }
    for (const acc of byService.values()) overall.merge(acc);
    return {
      window: isoWindow(window),
      overall: overall.stats(seconds),
      services: [...byService.entries()]
        .map(([service, acc]) => ({ service, ...acc.stats(seconds) }))
        .sort((a, b) => b.requests - a.requests),
    };
  }

  async endpoints(window: TimeWindow, scope: Scope, page: { sort: EndpointSort; order: 'asc' | 'desc'; limit: number; offset: number }) {
    const rows = await this.requestRows(coverWindow(window), scope);
    const seconds = windowSeconds(window);
    const groups = new Map<string, { service: string; method: string; route: string; acc: RequestStatsAccumulator }>();
    for (const row of rows) {
      const key = `${row.service}\u0000${row.method}\u0000${row.route}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { service: row.service, method: row.method, route: row.route, acc: new RequestStatsAccumulator() }));
      group.acc.add(row);
    }
    const key = SORT_KEY[page.sort];
    const direction = page.order === 'asc' ? 1 : -1;
    const all: EndpointStats[] = [...groups.values()]
      .map((g) => ({ service: g.service, method: g.method, route: g.route, ...g.acc.stats(seconds) }))
      .sort((a, b) => direction * (((a[key] as number) ?? -1) - ((b[key] as number) ?? -1)) || a.route.localeCompare(b.route));
    return { window: isoWindow(window), total: all.length, items: all.slice(page.offset, page.offset + page.limit) };
  }

  async timeseries(window: TimeWindow, scope: Scope, metric: TimeseriesMetric, step: string) {
    const stepMs = parseDuration(step, 'step');
    const resolution = ([86400, 3600, 60] as const).find((r) => stepMs % (r * 1000) === 0);
    if (!resolution) throw new ValidationError([{ path: 'step', message: 'must be a whole number of minutes' }]);
    const from = Math.floor(window.from / stepMs) * stepMs;
    const points = Math.ceil((window.to - from) / stepMs);
    if (points > 2000) throw new ValidationError([{ path: 'step', message: `gives ${points} points; at most 2000` }]);
    const rows = await this.requestRows([{ resolution, from, to: window.to }], scope, true);
    const buckets = new Map<number, RequestStatsAccumulator>();
    for (const row of rows as Array<RequestRollupRow & { bucket: Date }>) {
      const t = Math.floor(row.bucket.getTime() / stepMs) * stepMs;
      let acc = buckets.get(t);
      if (!acc) buckets.set(t, (acc = new RequestStatsAccumulator()));
      acc.add(row);
    }
    const value = (acc: RequestStatsAccumulator | undefined): number | null => {
      if (!acc) return metric === 'count' || metric === 'throughput' || metric === 'errorRate' ? 0 : null;
      const s = acc.stats(stepMs / 1000);
      return { p50: s.p50Ms, p95: s.p95Ms, p99: s.p99Ms, avg: s.avgMs, max: s.maxMs, throughput: s.throughputPerSec, count: s.requests, errorRate: s.errorRate }[metric];
    };
    return {
      metric,
      step,
      window: isoWindow(window),
      points: Array.from({ length: points }, (_, i) => {
        const t = from + i * stepMs;
        return { t: new Date(t).toISOString(), value: value(buckets.get(t)) };
      }),
    };
  }

  async slowRequests(window: TimeWindow, scope: Scope, thresholdMs: number, limit: number) {
    const { where, params } = scopeSql(scope, 4, 'project_id');
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT ts, service, method, route, status, duration_ms, request_id, user_id, tenant_id
       FROM performance_metrics
       WHERE ts >= $1 AND ts < $2 AND duration_ms >= $3 ${where}
       ORDER BY duration_ms DESC LIMIT ${limit}`,
      [new Date(window.from).toISOString(), new Date(window.to).toISOString(), thresholdMs, ...params],
    );
    return {
      window: isoWindow(window),
      thresholdMs,
      items: rows.map((r) => ({
        timestamp: (r.ts as Date).toISOString(),
        service: r.service,
        method: r.method,
        route: r.route,
        status: r.status,
        durationMs: r.duration_ms,
        requestId: r.request_id,
        userId: r.user_id,
        tenantId: r.tenant_id,
      })),
    };
  }

  async slowQueries(window: TimeWindow, scope: Omit<Scope, 'route'>, limit: number) {
    const segments = segmentsSql(coverWindow(window), 1);
    const { where, params } = scopeSql(scope, segments.params.length + 1, 'project_id');
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT fingerprint, service, query, count, duration_sum, duration_max, rows_sum, last_seen, sketch
       FROM slow_query_rollups WHERE ${segments.sql} ${where}`,
      [...segments.params, ...params],
    );
    // Stored rows merge exactly as the writer merges them; only the services are collected on top.
    const groups = new Map<string, { acc: QueryAcc; services: Set<string> }>();
    for (const r of rows) {
      const id = r.fingerprint as string;
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { acc: emptyQueryAcc(r.query as string), services: new Set() }));
      group.services.add(r.service as string);
      slowQueryRollups.mergeStored(group.acc, r);
    }
    const items = [...groups.entries()]
      .map(([fingerprint, { acc, services }]) => ({
        fingerprint,
        query: acc.query,
        services: [...services].sort(),
        count: acc.count,
        totalMs: round(acc.durationSum),
        meanMs: round(acc.durationSum / acc.count),
        p95Ms: round(acc.sketch.getValueAtQuantile(0.95)),
        maxMs: round(acc.durationMax),
        rows: acc.rowsSum,
        lastSeen: new Date(acc.lastSeen).toISOString(),
      }))
      .sort((a, b) => b.totalMs - a.totalMs);
    return { window: isoWindow(window), total: items.length, items: items.slice(0, limit) };
  }

  async errorGroups(window: TimeWindow, scope: Omit<Scope, 'route'> & { severity?: string }, limit: number) {
    const segments = segmentsSql(coverWindow(window), 1);
    const { where, params } = scopeSql(scope, segments.params.length + 1, 'project_id');
    const severity = scope.severity ? ` AND severity = $${segments.params.length + params.length + 1}` : '';
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT fingerprint, severity, service, type, sum(count)::bigint AS count, min(first_seen) AS first_seen,
              max(last_seen) AS last_seen, (array_agg(last_message ORDER BY last_seen DESC))[1] AS last_message
       FROM error_rollups WHERE ${segments.sql} ${where}${severity}
       GROUP BY fingerprint, severity, service, type
       ORDER BY max(last_seen) DESC`,
      [...segments.params, ...params, ...(scope.severity ? [scope.severity] : [])],
    );
    const items = rows.map(errorGroupOf);
    return { window: isoWindow(window), total: items.length, items: items.slice(0, limit) };
  }

  async errorGroup(fingerprint: string, window: TimeWindow, scope: Omit<Scope, 'route'>, limit: number) {
    const groups = await this.errorGroups(window, scope, 1000);
    const group = groups.items.filter((g) => g.fingerprint === fingerprint);
    const { where, params } = scopeSql(scope, 4, 'project_id');
    const events: Array<Record<string, unknown>> = await this.db.query(
      `SELECT ts, service, type, severity, message, exception, request_id, context FROM error_events
       WHERE fingerprint = $1 AND ts >= $2 AND ts < $3 ${where} ORDER BY ts DESC LIMIT ${limit}`,
      [fingerprint, new Date(window.from).toISOString(), new Date(window.to).toISOString(), ...params],
    );
    return {
      window: isoWindow(window),
      fingerprint,
      groups: group,
      events: events.map((e) => ({
        timestamp: (e.ts as Date).toISOString(),
        service: e.service,
        type: e.type,
        severity: e.severity,
        message: e.message,
        exception: e.exception,
        requestId: e.request_id,
        context: e.context,
      })),
    };
  }

  /** Request rollup rows covering a window, for callers that group them their own way (rule evaluation). */
  requestRollupRows(window: TimeWindow, scope: Scope): Promise<RequestRollupRow[]> {
    return this.requestRows(coverWindow(window), scope);
  }

  /** Slow-query occurrences per service in a window. */
  async slowQueryCounts(window: TimeWindow, scope: Omit<Scope, 'route'>): Promise<Map<string, number>> {
    const segments = segmentsSql(coverWindow(window), 1);
    const { where, params } = scopeSql(scope, segments.params.length + 1, 'project_id');
    const rows: Array<{ service: string; n: string }> = await this.db.query(
      `SELECT service, sum(count) AS n FROM slow_query_rollups WHERE ${segments.sql} ${where} GROUP BY service`,
      [...segments.params, ...params],
    );
    return new Map(rows.map((r) => [r.service, Number(r.n)]));
  }

  /** Consecutive failed checks of each enabled service target, for health rules. */
  targetFailures(): Promise<Array<{ id: string; name: string; failures: number }>> {
    return this.db.query(`SELECT id, name, consecutive_failures AS failures FROM service_targets WHERE enabled`);
  }

  /** Mean of each resource metric per service (API, worker) over a window, from the stored samples. */
  async resourceStats(window: TimeWindow): Promise<Map<string, ResourceStats>> {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT service, count(*)::int AS n, avg(cpu_percent) AS cpu, avg(memory_percent) AS memory, avg(disk_percent) AS disk,
              avg(event_loop_lag_ms) AS event_loop_lag
       FROM resource_samples WHERE ts >= $1 AND ts < $2 GROUP BY service`,
      [new Date(window.from).toISOString(), new Date(window.to).toISOString()],
    );
    const num = (v: unknown) => (v === null ? null : Math.round(Number(v) * 100) / 100);
    return new Map(rows.map((r) => [r.service as string, { samples: r.n as number, cpu: num(r.cpu), memory: num(r.memory), disk: num(r.disk), event_loop_lag: num(r.event_loop_lag) }]));
  }

  private async requestRows(segments: Segment[], scope: Scope, withBucket = false): Promise<RequestRollupRow[]> {
    const cover = segmentsSql(segments, 1);
    const { where, params } = scopeSql(scope, cover.params.length + 1, 'project_id');
    return this.db.query(
      `SELECT ${withBucket ? 'bucket, ' : ''}service, method, route, count, status_4xx, status_5xx, duration_sum, duration_max, sketch
       FROM request_rollups WHERE ${cover.sql} ${where}`,
      [...cover.params, ...params],
    );
  }
}

function scopeSql(scope: Scope, first: number, projectColumn: string): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    parts.push(`AND ${column} = $${first + params.length - 1}`);
  };
  add(projectColumn, scope.projectId);
  add('service', scope.service);
  add('route', scope.route);
  return { where: parts.join(' '), params };
}

function errorGroupOf(r: Record<string, unknown>) {
  return {
    fingerprint: r.fingerprint as string,
    severity: r.severity as string,
    service: r.service as string,
    type: r.type as string,
    count: Number(r.count),
    firstSeen: (r.first_seen as Date).toISOString(),
    lastSeen: (r.last_seen as Date).toISOString(),
    lastMessage: r.last_message as string,
  };
}

const windowSeconds = (w: TimeWindow) => (w.to - w.from) / 1000;
const isoWindow = (w: TimeWindow) => ({ from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() });
