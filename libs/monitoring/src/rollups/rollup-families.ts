import { DDSketch } from '@datadog/sketches-js';
import { ErrorEvent, QueryEvent, RequestEvent } from '@vigil/common';
import { errorFingerprint } from '../normalize/error-fingerprint';
import { fingerprint, normalizeSql } from '../normalize/sql-normalizer';
import { encodeSketch, mergeEncoded, newSketch } from './latency-sketch';

/** Rollup resolutions in seconds: per minute, hour and day. */
export const RESOLUTIONS = [60, 3600, 86400] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/**
 * How one kind of event is rolled up: which columns identify a row, how events
 * accumulate, how a stored row merges in, and what is written back.
 */
export interface RollupFamily<E, A> {
  table: string;
  keys: Array<{ column: string; of: (event: E) => string }>;
  values: Array<{ column: string; type: string; of: (acc: A) => unknown }>;
  start(event: E): A;
  add(acc: A, event: E): void;
  /** Adds one accumulator into another (a minute's into its hour's). */
  merge(into: A, from: A): void;
  mergeStored(acc: A, row: Record<string, unknown>): void;
}

interface RequestAcc {
  count: number;
  status4xx: number;
  status5xx: number;
  durationSum: number;
  durationMax: number;
  dbTimeSum: number;
  sketch: DDSketch;
}

export const requestRollups: RollupFamily<RequestEvent, RequestAcc> = {
  table: 'request_rollups',
  keys: [
    { column: 'service', of: (e) => e.service },
    { column: 'method', of: (e) => e.method },
    { column: 'route', of: (e) => e.route },
  ],
  values: [
    { column: 'count', type: 'bigint', of: (a) => a.count },
    { column: 'status_4xx', type: 'bigint', of: (a) => a.status4xx },
    { column: 'status_5xx', type: 'bigint', of: (a) => a.status5xx },
    { column: 'duration_sum', type: 'float8', of: (a) => a.durationSum },
    { column: 'duration_max', type: 'float8', of: (a) => a.durationMax },
    { column: 'db_time_sum', type: 'float8', of: (a) => a.dbTimeSum },
    { column: 'sketch', type: 'bytea', of: (a) => encodeSketch(a.sketch) },
  ],
  start: () => ({ count: 0, status4xx: 0, status5xx: 0, durationSum: 0, durationMax: 0, dbTimeSum: 0, sketch: newSketch() }),
  add(a, e) {
    a.count++;
    if (e.status >= 500) a.status5xx++;
    else if (e.status >= 400) a.status4xx++;
    a.durationSum += e.durationMs;
    if (e.durationMs > a.durationMax) a.durationMax = e.durationMs;
    a.dbTimeSum += e.dbTimeMs ?? 0;
    a.sketch.accept(e.durationMs);
  },
  merge(a, b) {
    a.count += b.count;
    a.status4xx += b.status4xx;
    a.status5xx += b.status5xx;
    a.durationSum += b.durationSum;
    a.durationMax = Math.max(a.durationMax, b.durationMax);
    a.dbTimeSum += b.dbTimeSum;
    a.sketch.merge(b.sketch);
  },
  mergeStored(a, row) {
    a.count += Number(row.count);
    a.status4xx += Number(row.status_4xx);
    a.status5xx += Number(row.status_5xx);
    a.durationSum += row.duration_sum as number;
    a.durationMax = Math.max(a.durationMax, row.duration_max as number);
    a.dbTimeSum += row.db_time_sum as number;
    mergeEncoded(a.sketch, row.sketch as Buffer);
  },
};

export interface QueryAcc {
  query: string;
  count: number;
  durationSum: number;
  durationMax: number;
  rowsSum: number;
  lastSeen: number;
  sketch: DDSketch;
}

export function emptyQueryAcc(query: string): QueryAcc {
  return { query, count: 0, durationSum: 0, durationMax: 0, rowsSum: 0, lastSeen: 0, sketch: newSketch() };
}

/** Query events carry raw SQL: normalize once per event, before the family sees it. */
export type NormalizedQueryEvent = QueryEvent & { normalized: string; fingerprint: string };

export function normalizeQueryEvent(event: QueryEvent): NormalizedQueryEvent {
  const normalized = normalizeSql(event.query);
  return { ...event, normalized, fingerprint: fingerprint(normalized) };
}

export const slowQueryRollups: RollupFamily<NormalizedQueryEvent, QueryAcc> = {
  table: 'slow_query_rollups',
  keys: [
    { column: 'fingerprint', of: (e) => e.fingerprint },
    { column: 'service', of: (e) => e.service },
  ],
  values: [
    { column: 'query', type: 'text', of: (a) => a.query },
    { column: 'count', type: 'bigint', of: (a) => a.count },
    { column: 'duration_sum', type: 'float8', of: (a) => a.durationSum },
    { column: 'duration_max', type: 'float8', of: (a) => a.durationMax },
    { column: 'rows_sum', type: 'bigint', of: (a) => a.rowsSum },
    { column: 'last_seen', type: 'timestamptz', of: (a) => new Date(a.lastSeen).toISOString() },
    { column: 'sketch', type: 'bytea', of: (a) => encodeSketch(a.sketch) },
  ],
  start: (e) => emptyQueryAcc(e.normalized),
  add(a, e) {
    a.count++;
    a.durationSum += e.durationMs;
    if (e.durationMs > a.durationMax) a.durationMax = e.durationMs;
    a.rowsSum += e.rows ?? 0;
    if (e.timestamp > a.lastSeen) a.lastSeen = e.timestamp;
    a.sketch.accept(e.durationMs);
  },
  merge(a, b) {
    a.count += b.count;
    a.durationSum += b.durationSum;
    a.durationMax = Math.max(a.durationMax, b.durationMax);
    a.rowsSum += b.rowsSum;
    a.lastSeen = Math.max(a.lastSeen, b.lastSeen);
    a.sketch.merge(b.sketch);
  },
  mergeStored(a, row) {
    a.count += Number(row.count);
    a.durationSum += row.duration_sum as number;
    a.durationMax = Math.max(a.durationMax, row.duration_max as number);
    a.rowsSum += Number(row.rows_sum);
    a.lastSeen = Math.max(a.lastSeen, (row.last_seen as Date).getTime());
    mergeEncoded(a.sketch, row.sketch as Buffer);
  },
};

interface ErrorAcc {
  service: string;
  type: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  lastMessage: string;
}

export type FingerprintedErrorEvent = ErrorEvent & { fingerprint: string };

export function fingerprintErrorEvent(event: ErrorEvent): FingerprintedErrorEvent {
  return { ...event, fingerprint: errorFingerprint(event.service, event.type, event.message) };
}

export const errorRollups: RollupFamily<FingerprintedErrorEvent, ErrorAcc> = {
  table: 'error_rollups',
  keys: [
    { column: 'fingerprint', of: (e) => e.fingerprint },
    { column: 'severity', of: (e) => e.severity },
  ],
  values: [
    { column: 'service', type: 'text', of: (a) => a.service },
    { column: 'type', type: 'text', of: (a) => a.type },
    { column: 'count', type: 'bigint', of: (a) => a.count },
    { column: 'first_seen', type: 'timestamptz', of: (a) => new Date(a.firstSeen).toISOString() },
    { column: 'last_seen', type: 'timestamptz', of: (a) => new Date(a.lastSeen).toISOString() },
    { column: 'last_message', type: 'text', of: (a) => a.lastMessage },
  ],
  start: (e) => ({ service: e.service, type: e.type, count: 0, firstSeen: Infinity, lastSeen: 0, lastMessage: e.message }),
  add(a, e) {
    a.count++;
    if (e.timestamp < a.firstSeen) a.firstSeen = e.timestamp;
    if (e.timestamp >= a.lastSeen) {
      a.lastSeen = e.timestamp;
      a.lastMessage = e.message;
    }
  },
  merge(a, b) {
    a.count += b.count;
    a.firstSeen = Math.min(a.firstSeen, b.firstSeen);
    if (b.lastSeen >= a.lastSeen) {
      a.lastSeen = b.lastSeen;
      a.lastMessage = b.lastMessage;
    }
  },
  mergeStored(a, row) {
    a.count += Number(row.count);
    a.firstSeen = Math.min(a.firstSeen, (row.first_seen as Date).getTime());
    const stored = (row.last_seen as Date).getTime();
    if (stored > a.lastSeen) {
      a.lastSeen = stored;
      a.lastMessage = row.last_message as string;
    }
  },
};
