import { RequestEvent } from '@vigil/common';
import {
  errorRollups,
  FingerprintedErrorEvent,
  fingerprintErrorEvent,
  NormalizedQueryEvent,
  normalizeQueryEvent,
  requestRollups,
  RollupFamily,
  slowQueryRollups,
} from '../rollups/rollup-families';
import { copyRow, jsonText } from './copy-text';
import type { IngestKind } from './event-schemas';
import type { EventOf } from './parse-batch';

/**
 * How one kind of event is stored: prepared once (normalized, fingerprinted),
 * copied into its day-partitioned raw table, and added to its rollups.
 */
export interface RawTable<E> {
  name: string;
  columns: string[];
  toCopyRow(event: E, projectId: string): string;
}

export interface EventKind<W, E> {
  table: RawTable<E>;
  prepare(event: W): E;
  rollups: RollupFamily<E, never>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export const performanceMetrics: RawTable<RequestEvent> = {
  name: 'performance_metrics',
  columns: [
    'ts', 'project_id', 'service', 'method', 'route', 'status', 'duration_ms', 'db_queries', 'db_time_ms',
    'cache_hits', 'cache_misses', 'user_id', 'tenant_id', 'client_ip', 'request_id',
  ],
  toCopyRow: (e, projectId) =>
    copyRow([
      iso(e.timestamp), projectId, e.service, e.method, e.route, e.status, e.durationMs, e.dbQueries, e.dbTimeMs,
      e.cacheHits, e.cacheMisses, e.userId, e.tenantId, e.clientIp, e.requestId,
    ]),
};

export const slowQueries: RawTable<NormalizedQueryEvent> = {
  name: 'slow_queries',
  columns: ['ts', 'project_id', 'service', 'fingerprint', 'query', 'duration_ms', 'rows', 'request_id', 'context'],
  toCopyRow: (e, projectId) =>
    copyRow([
      iso(e.timestamp), projectId, e.service, e.fingerprint, e.normalized, e.durationMs, e.rows, e.requestId,
      jsonText(e.context),
    ]),
};

export const errorEvents: RawTable<FingerprintedErrorEvent> = {
  name: 'error_events',
  columns: ['ts', 'project_id', 'service', 'type', 'severity', 'message', 'fingerprint', 'exception', 'request_id', 'context'],
  toCopyRow: (e, projectId) =>
    copyRow([
      iso(e.timestamp), projectId, e.service, e.type, e.severity, e.message, e.fingerprint, e.exception, e.requestId,
      jsonText(e.context),
    ]),
};

export const EVENT_KINDS: { [K in IngestKind]: EventKind<EventOf[K], never> } = {
  requests: { table: performanceMetrics as RawTable<never>, prepare: (e) => e as never, rollups: requestRollups as never },
  queries: { table: slowQueries as RawTable<never>, prepare: (e) => normalizeQueryEvent(e) as never, rollups: slowQueryRollups as never },
  errors: { table: errorEvents as RawTable<never>, prepare: (e) => fingerprintErrorEvent(e) as never, rollups: errorRollups as never },
};
